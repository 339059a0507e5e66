package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"testing"

	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/pha"
)

// A rotation of the master key moves every cluster to the new key: a new
// generation, derived from the new master key, sent to the cluster's
// workers, and a rekey of each contract in the log. The generations
// before keep deriving from the old key, so commands sealed to them
// still open (that the new generation is not what the old master key
// gives is enclave's TestClusterKeysFollowTheEpochStarts).
func TestMasterKeyRotationRekeysEveryCluster(t *testing.T) {
	f := newFixture(t)
	for range 2 {
		if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids()}); err != nil {
			t.Fatal(err)
		}
	}
	answered := 0
	f.shareAll(t, &answered)
	f.receiveAll(t)
	mod := tinyModule()
	if err := f.run(f.operator, &contracts.MsgUploadCode{Gzip: gz(mod)}); err != nil {
		t.Fatal(err)
	}
	if err := f.run(f.operator, &contracts.MsgInstantiate{Code: contracts.Hash(sha256.Sum256(mod)), Cluster: 0}); err != nil {
		t.Fatal(err)
	}
	id := contracts.ContractID(f.operator.Public().Address(), contracts.Hash(sha256.Sum256(mod)), 0, nil)
	gen0, err := f.workers[0].ContractPublicKey(0, 0, id)
	if err != nil {
		t.Fatal(err)
	}

	f.fund(f.council.Public().Address(), pha.Tokens(1))
	if err := f.run(f.council, &keys.MsgRotateMasterKey{}); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)
	if c, _ := f.c.Cluster(f.State, 0); c.KeyGen != 0 {
		t.Fatal("a cluster moved before the new master key was published")
	}
	pub1, err := f.gk.GenerateMaster(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.post(f.gk, keys.TopicPublish, keys.Publish{Epoch: 1, PublicKey: pub1}); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)
	for _, cid := range []uint64{0, 1} {
		c, _ := f.c.Cluster(f.State, cid)
		if c.KeyGen != 1 || c.KeyEpoch() != 1 || !slices.Equal(c.Starts, []keys.EpochStart{{Gen: 1, Epoch: 1}}) || c.Epoch != 0 {
			t.Fatalf("cluster %d after the rotation: %+v", cid, c)
		}
	}
	cmd, _ := f.c.Command(f.State, 0, 1)
	if cmd.Kind != contracts.KindRekey || cmd.Contract != id || cmd.KeyGen != 1 {
		t.Fatalf("the command after the rotation: %+v", cmd)
	}
	// A second end of block moves nothing again.
	f.endBlock(t)
	if c, _ := f.c.Cluster(f.State, 0); c.KeyGen != 1 {
		t.Fatalf("moved twice: %+v", c)
	}

	// The new generation goes to the cluster's workers, with the starts.
	reqs := f.inbox(f.gk, keys.TopicClusterRequest)[answered:]
	if len(reqs) != 2*len(f.workers) {
		t.Fatalf("%d cluster key requests after the rotation", len(reqs))
	}
	for _, m := range reqs {
		r := decode[keys.ClusterRequest](t, m)
		if r.Gen != 1 || r.Epoch != 0 || !slices.Equal(r.Starts, []keys.EpochStart{{Gen: 1, Epoch: 1}}) {
			t.Fatalf("request %+v", r)
		}
		sealed, err := f.gk.ShareCluster(chainID, r)
		if err != nil {
			t.Fatal(err)
		}
		// A share that leaves out the starts is not the one asked for.
		if r.Cluster == 0 && r.Worker == f.workers[0].Identity() {
			wantErr(t, "a share without the starts", f.post(f.gk, keys.TopicClusterShare, keys.ClusterShare{Cluster: r.Cluster, Worker: r.Worker, Epoch: r.Epoch, Gen: r.Gen, Sealed: sealed}), keys.ErrUnexpected)
		}
		if err := f.post(f.gk, keys.TopicClusterShare, keys.ClusterShare{Cluster: r.Cluster, Worker: r.Worker, Epoch: r.Epoch, Gen: r.Gen, Starts: r.Starts, Sealed: sealed}); err != nil {
			t.Fatal(err)
		}
	}
	var pubs [][]byte
	for _, w := range f.workers {
		for _, m := range f.inbox(w, keys.TopicClusterKey) {
			s := decode[keys.ClusterShare](t, m)
			if err := w.ReceiveClusterKeys(chainID, s.Cluster, s.Epoch, s.Gen, s.Starts, s.Sealed); err != nil {
				t.Fatal(err)
			}
		}
		old, _ := w.ContractPublicKey(0, 0, id)
		if !bytes.Equal(old, gen0) {
			t.Fatal("generation 0 changed: commands sealed to it would not open")
		}
		pub, err := w.ContractPublicKey(0, 1, id)
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, pub)
	}
	if !bytes.Equal(pubs[0], pubs[1]) || !bytes.Equal(pubs[1], pubs[2]) {
		t.Fatal("the workers derive different keys of the new generation")
	}
}
