package enclave

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
)

// After a worker leaves a cluster, the workers left get the cluster's key
// of a new generation and rekey its contract: they agree on a new public
// key, which the removed worker cannot derive, and calls sealed to it
// run; a call logged before the rekey, sealed to the old key, still runs
// under the old generation, on the workers left and on a worker that
// replays the log later.
func TestRekeyLocksOutTheRemovedWorker(t *testing.T) {
	ctx := context.Background()
	load := vaultLoader(t)

	gk := openEnclave(t, t.TempDir())
	if _, err := gk.GenerateMaster(0); err != nil {
		t.Fatal(err)
	}
	share := func(w *Enclave, gen uint32) {
		t.Helper()
		sealed, err := gk.sealCluster(chainID, 0, 0, gen, nil, w.Identity(), w.EncryptionKey())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.ReceiveCluster(chainID, 0, 0, gen, sealed); err != nil {
			t.Fatal(err)
		}
	}
	var dirs []string
	var encs []*Enclave
	var xs []*Contracts
	for range 3 {
		dir := t.TempDir()
		w := openEnclave(t, dir)
		share(w, 0)
		x, err := w.OpenContracts(ctx, ContractsConfig{ChainID: chainID, Dir: dir, Store: hostStore(t, dir)})
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close(ctx)
		dirs, encs, xs = append(dirs, dir), append(encs, w), append(xs, x)
	}
	ct := contracts.Contract{ID: contracts.Hash{5}, Code: contracts.Hash{6}, Cluster: 0}
	alice := crypto.Address{1}
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	run := func(x *Contracts, cmd contracts.Command) contracts.ResultVote {
		t.Helper()
		v, err := x.Execute(ctx, cmd, ct, load)
		if err != nil {
			t.Fatalf("command %d: %v", cmd.Seq, err)
		}
		if v.Status != contracts.StatusOK {
			t.Fatalf("command %d: %s", cmd.Seq, v.Reason())
		}
		return v
	}
	seal := func(pub []byte, method, args string) ([]byte, *envelope.ResponseKey) {
		t.Helper()
		pk, err := crypto.ParseEncryptionPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		in, resp, err := envelope.SealRequest(pk, contracts.SealInfo(chainID, ct.ID, alice), codec.MustMarshal(contracts.CallInput{Method: method, Args: []byte(args)}))
		if err != nil {
			t.Fatal(err)
		}
		return in, resp
	}

	inst := contracts.Command{Cluster: 0, Seq: 0, Kind: contracts.KindInstantiate, Contract: ct.ID, Height: 3, Time: at}
	var old []byte
	for _, x := range xs {
		old = run(x, inst).Output
	}
	// Worker 2 leaves. Its last command: a deposit sealed to the old key,
	// logged before the removal.
	in1, _ := seal(old, "deposit", "41")
	deposit := contracts.Command{Cluster: 0, Seq: 1, Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: in1, GasLimit: 50_000_000, Height: 4, Time: at}
	rekey := contracts.Command{Cluster: 0, Seq: 2, Kind: contracts.KindRekey, Contract: ct.ID, Caller: alice, Height: 5, Time: at, KeyGen: 1}

	// Before its share arrives, a worker cannot run the rekey, and
	// nothing is recorded: it runs it once the share is there.
	run(xs[0], deposit)
	if _, err := xs[0].Execute(ctx, rekey, ct, load); !errors.Is(err, ErrNoClusterKey) {
		t.Fatalf("a rekey without the new key: %v", err)
	}
	if n, _ := xs[0].Progress(0); n != 2 {
		t.Fatalf("progress %d after a rekey that could not run, want 2", n)
	}
	share(encs[0], 1)
	share(encs[1], 1)
	run(xs[1], deposit)
	v0, v1 := run(xs[0], rekey), run(xs[1], rekey)
	if v0.Digest() != v1.Digest() {
		t.Fatal("the workers left disagree on the rekey")
	}
	fresh := v0.Output
	if bytes.Equal(fresh, old) {
		t.Fatal("the rekey kept the old public key")
	}
	if root, _, _ := xs[0].StateRoot(ct.ID); v0.StateRoot != root {
		t.Fatal("a rekey's vote does not carry the contract's state root")
	}

	// The removed worker holds generation 0 only: it derives neither the
	// new key nor the input sealed to it.
	if _, _, err := encs[2].contract(0, 1, ct.ID, 3); !errors.Is(err, ErrNoClusterKey) {
		t.Fatalf("the removed worker derived the new key: %v", err)
	}
	in2, resp := seal(fresh, "deposit", "1")
	oldKey, _, err := encs[2].contract(0, 0, ct.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := envelope.OpenRequest(oldKey, contracts.SealInfo(chainID, ct.ID, alice), in2); err == nil {
		t.Fatal("the removed worker opened a call sealed to the new key")
	}
	call := contracts.Command{Cluster: 0, Seq: 3, Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: in2, GasLimit: 50_000_000, Height: 6, Time: at, KeyGen: 1}
	c0, c1 := run(xs[0], call), run(xs[1], call)
	if c0.Digest() != c1.Digest() {
		t.Fatal("the workers left disagree on a call under the new key")
	}
	if out, err := resp.Open(c0.Output); err != nil || len(out) != 0 {
		t.Fatalf("the call's output: %q, %v", out, err)
	}
	q, err := xs[0].exec.Query(ctx, ct, alice, "my_balance", []byte("{}"), 50_000_000, 6, time.Unix(0, at), load)
	if err != nil || string(q.Output) != "42" {
		t.Fatalf("balance after both deposits: %+v %v", q, err)
	}

	// The generations survive a restart of the
	again := openEnclave(t, dirs[0])
	if g, ok := again.ClusterGen(0); !ok || g != 1 {
		t.Fatalf("after a restart the enclave holds generation %d (%v), want 1", g, ok)
	}
	k, _, err := again.contract(0, 1, ct.ID, 0)
	if err != nil || !bytes.Equal(k.PublicKey().Bytes(), fresh) {
		t.Fatalf("after a restart the new key differs: %v", err)
	}

	// A worker that joins later is sent both generations and replays the
	// whole log to the same votes.
	dir := t.TempDir()
	late := openEnclave(t, dir)
	share(late, 1)
	x, err := late.OpenContracts(ctx, ContractsConfig{ChainID: chainID, Dir: dir, Store: hostStore(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close(ctx)
	for i, cmd := range []contracts.Command{inst, deposit, rekey, call} {
		want, _ := xs[0].Pending(0)
		if v := run(x, cmd); v.Digest() != want[i].Digest() {
			t.Fatalf("the late worker's vote on command %d differs", cmd.Seq)
		}
	}

	// A share of the wrong size, or opened as another generation, is
	// refused and changes nothing.
	sealed, err := gk.sealCluster(chainID, 0, 0, 2, nil, encs[1].Identity(), encs[1].EncryptionKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := encs[1].ReceiveCluster(chainID, 0, 0, 3, sealed); !errors.Is(err, ErrSealed) {
		t.Fatalf("a share opened as another generation: %v", err)
	}
	if g, _ := encs[1].ClusterGen(0); g != 1 {
		t.Fatalf("a refused share changed the generation to %d", g)
	}
	// An older share than the keys held changes nothing either.
	share(encs[1], 0)
	if g, _ := encs[1].ClusterGen(0); g != 1 {
		t.Fatalf("an older share took the enclave back to generation %d", g)
	}
}

// A cluster whose generation 1 came after the master key rotated gets
// that generation from the new epoch's master key: the same generation 0
// as before, a generation 1 the old master key alone does not give, and a
// share opened without the starts it was sealed with does not open.
func TestClusterKeysFollowTheEpochStarts(t *testing.T) {
	gk := openEnclave(t, t.TempDir())
	for _, epoch := range []uint32{0, 1} {
		if _, err := gk.GenerateMaster(epoch); err != nil {
			t.Fatal(err)
		}
	}
	starts := []keys.EpochStart{{Gen: 1, Epoch: 1}}
	rotated, stale := openEnclave(t, t.TempDir()), openEnclave(t, t.TempDir())
	for _, c := range []struct {
		w      *Enclave
		starts []keys.EpochStart
	}{{rotated, starts}, {stale, nil}} {
		sealed, err := gk.sealCluster(chainID, 0, 0, 1, c.starts, c.w.Identity(), c.w.EncryptionKey())
		if err != nil {
			t.Fatal(err)
		}
		if c.starts != nil {
			if err := c.w.ReceiveCluster(chainID, 0, 0, 1, sealed); !errors.Is(err, ErrSealed) {
				t.Fatalf("a share opened without its epoch starts: %v", err)
			}
		}
		if err := c.w.ReceiveClusterKeys(chainID, 0, 0, 1, c.starts, sealed); err != nil {
			t.Fatal(err)
		}
	}
	var id [32]byte
	pub := func(w *Enclave, gen uint32) []byte {
		t.Helper()
		p, err := w.ContractPublicKey(0, gen, id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if !bytes.Equal(pub(rotated, 0), pub(stale, 0)) {
		t.Fatal("generation 0 depends on the epoch starts")
	}
	if bytes.Equal(pub(rotated, 1), pub(stale, 1)) {
		t.Fatal("generation 1 after the rotation derives from the old master key")
	}
}
