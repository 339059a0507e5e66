package keeper_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	keyskeeper "github.com/phalanx-net/phalanx/chain/modules/keys/keeper"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// rootBench is a chain with one gatekeeper holding the master key, and an
// operator whose worker asks for its sealing root.
type rootBench struct {
	e      *modtest.Env
	q      *mqkeeper.Keeper
	g      *enclave.Enclave
	v, op  crypto.PrivateKey
	handed int // the holder's messages handled so far
}

func newRootBench(t *testing.T, publish bool) *rootBench {
	e := modtest.New(t)
	b := &rootBench{e: e, v: modtest.Key("validator-1"), op: modtest.Key("operator")}
	b.q = mqkeeper.NewKeeper(registrykeeper.Records{})
	k := keyskeeper.NewKeeper(b.q, registrykeeper.Records{})
	reg := registrykeeper.NewKeeper(b.q, k).OnStandingLost(k).OnSealingRoot(k)
	e.Use(registrykeeper.Module{Keeper: reg}, keyskeeper.Module{Keeper: k}, mqkeeper.Module{Keeper: b.q})
	g := e.RegistryGenesis(modtest.Key("council").Public().Address())
	g.Validators = []crypto.PublicKey{b.v.Public()}
	if err := reg.InitGenesis(e.Ctx(), g); err != nil {
		t.Fatal(err)
	}
	for _, a := range []crypto.PrivateKey{b.v, b.op} {
		e.Fund(a.Public().Address(), pha.Tokens(1000))
	}
	b.g = e.NewEnclave()
	e.Register(b.g, registry.RoleGatekeeper, b.v)
	e.Advance(time.Second)
	if publish {
		pub, err := b.g.GenerateMaster(0)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Post(b.v, b.g, keys.TopicPublish, keys.Publish{Epoch: 0, PublicKey: pub}); err != nil {
			t.Fatal(err)
		}
		e.Advance(time.Second)
	}
	b.handed = int(b.q.EgressCount(e.State, b.g.Identity())) // generate and registered: done above
	return b
}

// deliver hands the holder the chain's new messages to it and posts its
// answers.
func (b *rootBench) deliver() {
	b.e.T.Helper()
	id := b.g.Identity()
	for ; uint64(b.handed) < b.q.EgressCount(b.e.State, id); b.handed++ {
		m, _ := b.q.Egress(b.e.State, id, uint64(b.handed))
		out, err := b.g.Handle(enclave.Inbox{ChainID: modtest.ChainID, Role: registry.RoleGatekeeper}, m)
		if err != nil {
			b.e.T.Fatal(err)
		}
		for _, o := range out {
			var v codec.RawMessage = o.Payload
			if err := b.e.Post(b.v, b.g, o.Topic, v); err != nil {
				b.e.T.Fatalf("post %s: %v", o.Topic, err)
			}
		}
	}
}

// release takes a worker's request through the chain and the holder, and
// reads the answer from the state, as a host does.
func (b *rootBench) release(sent *[]*registry.MsgRequestSealingRoot) enclave.Release {
	return enclave.Release{ChainID: modtest.ChainID, Sender: b.op.Public().Address(), At: b.e.Now.Add(-time.Second),
		Fetch: func(_ context.Context, m *registry.MsgRequestSealingRoot) ([]byte, bool, error) {
			*sent = append(*sent, m)
			if err := b.e.Run(b.op, m); err != nil {
				return nil, false, err
			}
			b.e.Advance(time.Second)
			b.deliver()
			raw := b.e.State.Get(keys.SealingRootAnswerKey(keys.SealingRootID(m.EncryptionKey)))
			if raw == nil {
				return nil, false, errors.New("no answer in the state")
			}
			a, err := keys.DecodeRootAnswer(raw)
			if err != nil || a.From != b.g.Identity() {
				b.e.T.Fatalf("answer %+v, %v", a, err)
			}
			return a.Sealed, true, nil
		}}
}

// A worker's sealing root goes through the chain: the registry verifies
// the request, the keys module asks the holder, the holder's enclave
// verifies it again and seals the root, and the chain keeps the answer
// for RootBlocks blocks. The worker restarts on it.
func TestSealingRootThroughTheChain(t *testing.T) {
	b := newRootBench(t, true)
	var sent []*registry.MsgRequestSealingRoot
	dir := t.TempDir()
	w, created, err := enclave.OpenReleased(context.Background(), tee.Sim, tee.Options{}, dir, b.release(&sent))
	if err != nil || !created {
		t.Fatalf("first start: %v, created %v", err, created)
	}
	again, created, err := enclave.OpenReleased(context.Background(), tee.Sim, tee.Options{}, dir, b.release(&sent))
	if err != nil || created || again.Identity() != w.Identity() {
		t.Fatalf("restart: %v, created %v", err, created)
	}

	// The same request again is refused: each has a fresh key.
	if err := b.e.Run(b.op, sent[0]); !errors.Is(err, keys.ErrUnexpected) {
		t.Fatalf("a request made twice: %v", err)
	}
	// A share from an enclave that holds no master key is refused.
	other := b.e.NewEnclave()
	b.e.Register(other, registry.RoleWorker, b.op)
	id := keys.SealingRootID(sent[1].EncryptionKey)
	if err := b.e.Post(b.op, other, keys.TopicRootShare, keys.RootShare{ID: id, Sealed: []byte{1}}); !errors.Is(err, keys.ErrNotHolder) {
		t.Fatalf("a share from a non-holder: %v", err)
	}

	// RootBlocks later the chain has forgotten the requests and answers.
	b.e.Height += keys.RootBlocks + 1
	if err := b.e.EndBlock(nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range sent {
		id := keys.SealingRootID(m.EncryptionKey)
		if b.e.State.Get(keys.SealingRootAnswerKey(id)) != nil || b.e.State.Get(keys.SealingRootRequestKey(id)) != nil {
			t.Fatal("an expired sealing root request is still in the state")
		}
	}
}

// The registry refuses, each with its own code and changing nothing, a
// request from a platform that seals by itself, one whose quote binds
// something else (a registration's quote), and one made before there is
// a master key.
func TestSealingRootRequestsRefused(t *testing.T) {
	b := newRootBench(t, true)
	w := b.e.NewEnclave()
	reg, err := w.Registration(context.Background(), registry.RoleWorker, modtest.ChainID, b.op.Public().Address(), b.e.Now.Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	snp := &registry.MsgRequestSealingRoot{Evidence: verify.Evidence{Platform: tee.SEVSNP, Quote: []byte{1}}, EncryptionKey: reg.EncryptionKey, AttestedAt: reg.AttestedAt}
	if err := b.e.Run(b.op, snp); !errors.Is(err, registry.ErrSealsItself) {
		t.Fatalf("an SEV-SNP request: %v", err)
	}
	asRegistration := &registry.MsgRequestSealingRoot{Evidence: reg.Evidence, EncryptionKey: reg.EncryptionKey, AttestedAt: reg.AttestedAt}
	if err := b.e.Run(b.op, asRegistration); !errors.Is(err, registry.ErrReportData) {
		t.Fatalf("a registration's quote as a request: %v", err)
	}
	if b.q.EgressCount(b.e.State, b.g.Identity()) != uint64(b.handed) {
		t.Fatal("a refused request reached the holder")
	}

	early := newRootBench(t, false)
	var sent []*registry.MsgRequestSealingRoot
	_, _, err = enclave.OpenReleased(context.Background(), tee.Sim, tee.Options{}, t.TempDir(), early.release(&sent))
	if !errors.Is(err, keys.ErrNoMasterKey) {
		t.Fatalf("a request before the master key: %v", err)
	}
}
