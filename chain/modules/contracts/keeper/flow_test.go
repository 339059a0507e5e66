package keeper_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	wabin "github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/wasm"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	computingkeeper "github.com/phalanx-net/phalanx/chain/modules/computing/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	contractskeeper "github.com/phalanx-net/phalanx/chain/modules/contracts/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	keyskeeper "github.com/phalanx-net/phalanx/chain/modules/keys/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
)

const chainID = modtest.ChainID

func key(t testing.TB, name string) crypto.PrivateKey { return modtest.Key(name) }

// env is the registry, queue, keys and contracts modules over a fresh
// state, with sim enclaves allowlisted.
type env struct {
	*modtest.Env
	reg      registrykeeper.Keeper
	q        *mqkeeper.Keeper
	keys     *keyskeeper.Keeper
	c        *contractskeeper.Keeper
	comp     *computingkeeper.Keeper
	council  crypto.PrivateKey
	operator crypto.PrivateKey
}

func newEnv(t *testing.T, validators ...crypto.PrivateKey) *env {
	t.Helper()
	e := &env{Env: modtest.New(t), council: key(t, "council"), operator: key(t, "operator")}
	e.q = mqkeeper.NewKeeper(registrykeeper.Records{})
	e.keys = keyskeeper.NewKeeper(e.q, registrykeeper.Records{})
	e.comp = computingkeeper.NewKeeper(e.q, registrykeeper.Records{})
	e.c = contractskeeper.NewKeeper(e.q, registrykeeper.Records{}, e.keys, e.comp)   // a worker that disagrees is slashed
	reg := registrykeeper.NewKeeper(e.q, e.keys).OnStandingLost(e.keys, e.comp, e.c) // as the application wires them
	e.reg = reg
	e.Use(registrykeeper.Module{Keeper: reg}, keyskeeper.Module{Keeper: e.keys}, computingkeeper.Module{Keeper: e.comp},
		contractskeeper.Module{Keeper: e.c}, mqkeeper.Module{Keeper: e.q})
	var vals []crypto.PublicKey
	for _, v := range validators {
		vals = append(vals, v.Public())
	}
	g := e.RegistryGenesis(e.council.Public().Address())
	g.Validators = vals
	if err := reg.InitGenesis(e.Ctx(), g); err != nil {
		t.Fatal(err)
	}
	if err := e.c.InitGenesis(e.Ctx(), contracts.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	if err := e.comp.InitGenesis(e.Ctx(), computing.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	e.Fund(e.operator.Public().Address(), pha.Tokens(1000))
	return e
}

func (e *env) run(sender crypto.PrivateKey, msg module.Msg) error {
	e.T.Helper()
	err := e.Run(sender, msg)
	e.Advance(time.Second)
	return err
}

func (e *env) fund(a crypto.Address, amt pha.Amount) { e.Fund(a, amt) }

func (e *env) newEnclave() *enclave.Enclave { return e.NewEnclave() }

func (e *env) register(en *enclave.Enclave, role registry.Role, operator crypto.PrivateKey) {
	e.T.Helper()
	e.Register(en, role, operator)
	e.Advance(time.Second)
}

// post sends an enclave's message, carried by the operator.
func (e *env) post(en *enclave.Enclave, topic string, v any) error {
	e.T.Helper()
	err := e.Post(e.operator, en, topic, v)
	e.Advance(time.Second)
	return err
}

// inbox returns the messages the chain sent an enclave with topic.
func (e *env) inbox(en *enclave.Enclave, topic string) []mq.Message {
	var out []mq.Message
	for i := range e.q.EgressCount(e.State, en.Identity()) {
		m, _ := e.q.Egress(e.State, en.Identity(), i)
		if m.Topic == topic {
			out = append(out, m)
		}
	}
	return out
}

func decode[T any](t *testing.T, m mq.Message) T {
	t.Helper()
	var v T
	if err := codec.Unmarshal(m.Payload, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

// A tiny contract: phalanx_call returns 0. Enough for the chain, which
// validates and instruments code but never runs it.
func tinyModule() []byte {
	m := &wasm.Module{
		TypeSection:     []*wasm.FunctionType{{Results: []wasm.ValueType{wasm.ValueTypeI32}}},
		FunctionSection: []wasm.Index{0},
		CodeSection:     []*wasm.Code{{Body: []byte{wasm.OpcodeI32Const, 0, wasm.OpcodeEnd}}},
		ExportSection:   []*wasm.Export{{Type: wasm.ExternTypeFunc, Name: "phalanx_call", Index: 0}},
	}
	return wabin.EncodeModule(m)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestMasterKeyGenerationHandoverAndRotation(t *testing.T) {
	v1, v2 := key(t, "validator-1"), key(t, "validator-2")
	e := newEnv(t, v1, v2)
	e.fund(v1.Public().Address(), pha.Tokens(10))
	e.fund(v2.Public().Address(), pha.Tokens(10))
	g1, g2 := e.newEnclave(), e.newEnclave()

	// The first gatekeeper is asked for the master key.
	e.register(g1, registry.RoleGatekeeper, v1)
	gen := e.inbox(g1, keys.TopicGenerate)
	if len(gen) != 1 || decode[keys.Generate](t, gen[0]).Epoch != 0 {
		t.Fatalf("generate requests: %+v", gen)
	}
	pub, err := g1.GenerateMaster(0)
	if err != nil {
		t.Fatal(err)
	}
	// Only the enclave asked may publish, and only that epoch.
	e.register(g2, registry.RoleGatekeeper, v2)
	wantErr(t, "publish by another gatekeeper", e.post(g2, keys.TopicPublish, keys.Publish{Epoch: 0, PublicKey: pub}), keys.ErrUnexpected)
	wantErr(t, "publish of another epoch", e.post(g1, keys.TopicPublish, keys.Publish{Epoch: 1, PublicKey: pub}), keys.ErrUnexpected)
	wantErr(t, "publish of a bad key", e.post(g1, keys.TopicPublish, keys.Publish{Epoch: 0, PublicKey: []byte("short")}), keys.ErrBadMsg)
	if err := e.post(g1, keys.TopicPublish, keys.Publish{Epoch: 0, PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	if s := e.keys.Status(e.State); s.Epochs != 1 || s.Generating {
		t.Fatalf("status %+v", s)
	}

	// The second gatekeeper, registered before the key existed, is handed
	// it by the first.
	reqs := e.inbox(g1, keys.TopicHandoverRequest)
	if len(reqs) != 1 {
		t.Fatalf("%d handover requests to the holder", len(reqs))
	}
	r := decode[keys.HandoverRequest](t, reqs[0])
	if r.To != g2.Identity() || r.Epoch != 0 {
		t.Fatalf("request %+v", r)
	}
	sealed, err := g1.HandOver(chainID, r)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "handover by a non-holder", e.post(g2, keys.TopicHandover, keys.Handover{To: g2.Identity(), Epoch: 0, Sealed: sealed}), keys.ErrNotHolder)
	if err := e.post(g1, keys.TopicHandover, keys.Handover{To: g2.Identity(), Epoch: 0, Sealed: sealed}); err != nil {
		t.Fatal(err)
	}
	// A second answer to the same request changes nothing.
	if err := e.post(g1, keys.TopicHandover, keys.Handover{To: g2.Identity(), Epoch: 0, Sealed: sealed}); err != nil {
		t.Fatal(err)
	}
	got := e.inbox(g2, keys.TopicMasterKey)
	if len(got) != 1 {
		t.Fatalf("%d master keys forwarded", len(got))
	}
	h := decode[keys.Handover](t, got[0])
	// The sealed key opens only in the enclave it was sealed to.
	if _, err := g1.ReceiveMaster(chainID, 0, h.Sealed); err == nil {
		t.Fatal("the holder opened a key sealed to another enclave")
	}
	pub2, err := g2.ReceiveMaster(chainID, 0, h.Sealed)
	if err != nil || !bytes.Equal(pub, pub2) {
		t.Fatalf("received key: %v", err)
	}
	wantErr(t, "a wrong public key", e.post(g2, keys.TopicReceived, keys.Received{Epoch: 0, PublicKey: append([]byte{}, pub[:len(pub)-1]...)}), keys.ErrKeyMismatch)
	if err := e.post(g2, keys.TopicReceived, keys.Received{Epoch: 0, PublicKey: pub2}); err != nil {
		t.Fatal(err)
	}
	if hs := e.keys.Holders(e.State, 0); len(hs) != 2 {
		t.Fatalf("holders %v", hs)
	}
	// A gatekeeper that joins later is handed the key by both holders.
	v3 := key(t, "validator-3")
	g3 := e.newEnclave()
	e.reg.SetValidator(e.State, v3.Public().Address())
	e.fund(v3.Public().Address(), pha.Tokens(10))
	e.register(g3, registry.RoleGatekeeper, v3)
	for _, h := range []*enclave.Enclave{g1, g2} {
		reqs := e.inbox(h, keys.TopicHandoverRequest)
		if len(reqs) == 0 || decode[keys.HandoverRequest](t, reqs[len(reqs)-1]).To != g3.Identity() {
			t.Fatalf("holder %s was not asked to hand the key to the late gatekeeper", h.Identity())
		}
	}

	// Rotation: the council only; the first holder generates epoch 1.
	wantErr(t, "rotation by a stranger", e.run(v1, &keys.MsgRotateMasterKey{}), registry.ErrNotCouncil)
	e.fund(e.council.Public().Address(), pha.Tokens(1))
	if err := e.run(e.council, &keys.MsgRotateMasterKey{}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "a second rotation while one runs", e.run(e.council, &keys.MsgRotateMasterKey{}), keys.ErrRotationBusy)
	first := e.keys.Holders(e.State, 0)[0]
	gen1 := g1
	if g2.Identity() == first {
		gen1 = g2
	}
	if n := len(e.inbox(gen1, keys.TopicGenerate)); n == 0 {
		t.Fatal("no generate request for epoch 1")
	}
	pub1, err := gen1.GenerateMaster(1)
	if err != nil || bytes.Equal(pub1, pub) {
		t.Fatalf("epoch 1 key: %v", err)
	}
	if err := e.post(gen1, keys.TopicPublish, keys.Publish{Epoch: 1, PublicKey: pub1}); err != nil {
		t.Fatal(err)
	}
	// The old key stays with its holders; the new one is handed over.
	if !gen1.HasMaster(0) || !gen1.HasMaster(1) {
		t.Fatal("the generator lost a key")
	}
	other := g2
	if gen1 == g2 {
		other = g1
	}
	handed := map[crypto.PublicKey]bool{}
	for _, m := range e.inbox(gen1, keys.TopicHandoverRequest) {
		if r := decode[keys.HandoverRequest](t, m); r.Epoch == 1 {
			handed[r.To] = true
		}
	}
	if !handed[other.Identity()] || !handed[g3.Identity()] || len(handed) != 2 {
		t.Fatalf("epoch 1 is handed to %v", handed)
	}
}

// fixture has a master key held by one gatekeeper and three workers.
type fixture struct {
	*env
	gk      *enclave.Enclave
	workers []*enclave.Enclave
}

func newFixture(t *testing.T) *fixture { return newFixtureN(t, 3) }

// newFixtureN is a fixture with n workers.
func newFixtureN(t *testing.T, n int) *fixture {
	v := key(t, "validator")
	e := newEnv(t, v)
	e.fund(v.Public().Address(), pha.Tokens(10))
	f := &fixture{env: e, gk: e.newEnclave()}
	e.register(f.gk, registry.RoleGatekeeper, v)
	pub, err := f.gk.GenerateMaster(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.post(f.gk, keys.TopicPublish, keys.Publish{Epoch: 0, PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	for range n {
		w := e.newEnclave()
		e.register(w, registry.RoleWorker, e.operator)
		f.workers = append(f.workers, w)
	}
	return f
}

func (f *fixture) ids() []crypto.PublicKey {
	var out []crypto.PublicKey
	for _, w := range f.workers {
		out = append(out, w.Identity())
	}
	return out
}

func TestClusterKeysReachTheirWorkers(t *testing.T) {
	f := newFixture(t)
	stranger := f.newEnclave()
	wantErr(t, "unregistered worker", f.run(f.operator, &contracts.MsgCreateCluster{Workers: []crypto.PublicKey{stranger.Identity()}}), contracts.ErrBadWorker)
	wantErr(t, "worker twice", f.run(f.operator, &contracts.MsgCreateCluster{Workers: []crypto.PublicKey{f.workers[0].Identity(), f.workers[0].Identity()}}), contracts.ErrBadWorker)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids()[:2], GasPrice: pha.Units(10), Deposit: pha.Tokens(5)}); err != nil {
		t.Fatal(err)
	}
	if got := (bankkeeper.Keeper{}).Balance(f.State, contracts.Account()); got.Cmp(pha.Tokens(5)) != 0 {
		t.Fatalf("deposit: module holds %s", got.PHA())
	}
	reqs := f.inbox(f.gk, keys.TopicClusterRequest)
	if len(reqs) != 2 {
		t.Fatalf("%d cluster key requests", len(reqs))
	}
	for _, m := range reqs {
		r := decode[keys.ClusterRequest](t, m)
		sealed, err := f.gk.ShareCluster(chainID, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.post(f.gk, keys.TopicClusterShare, keys.ClusterShare{Cluster: r.Cluster, Worker: r.Worker, Epoch: r.Epoch, Sealed: sealed}); err != nil {
			t.Fatal(err)
		}
	}
	// Both workers derive the same contract key; the key opens only in
	// the enclave it was sealed to.
	var pubs [][]byte
	for _, w := range f.workers[:2] {
		in := f.inbox(w, keys.TopicClusterKey)
		if len(in) != 1 {
			t.Fatalf("%d cluster keys for a worker", len(in))
		}
		s := decode[keys.ClusterShare](t, in[0])
		if err := f.workers[2].ReceiveCluster(chainID, s.Cluster, s.Epoch, s.Gen, s.Sealed); err == nil {
			t.Fatal("another worker opened the cluster key")
		}
		if err := w.ReceiveCluster(chainID, s.Cluster, s.Epoch, s.Gen, s.Sealed); err != nil {
			t.Fatal(err)
		}
		pub, err := w.ContractPublicKey(0, 0, [32]byte{1})
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, pub)
	}
	if !bytes.Equal(pubs[0], pubs[1]) {
		t.Fatal("the cluster's workers derive different contract keys")
	}
	// Adding the third worker: owner only.
	wantErr(t, "add by a stranger", f.run(f.council, &contracts.MsgAddWorker{Cluster: 0, Worker: f.workers[2].Identity()}), contracts.ErrNotOwner)
	if err := f.run(f.operator, &contracts.MsgAddWorker{Cluster: 0, Worker: f.workers[2].Identity()}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.inbox(f.gk, keys.TopicClusterRequest)); n != 3 {
		t.Fatalf("%d cluster key requests after the add", n)
	}
}

func TestCommandsResultsAndSettlement(t *testing.T) {
	f := newFixture(t)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids(), GasPrice: pha.Units(10)}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "garbage code", f.run(f.operator, &contracts.MsgUploadCode{Gzip: gz([]byte("not wasm"))}), contracts.ErrBadCode)
	wantErr(t, "not gzip", f.run(f.operator, &contracts.MsgUploadCode{Gzip: []byte("plain")}), contracts.ErrBadCode)
	mod := tinyModule()
	if err := f.run(f.operator, &contracts.MsgUploadCode{Gzip: gz(mod)}); err != nil {
		t.Fatal(err)
	}
	code := contracts.Hash(sha256.Sum256(mod))
	if _, ok := f.c.Code(f.State, code); !ok {
		t.Fatal("code not stored")
	}
	// Code stored already is not charged for storage again: a module with
	// 64 KiB of custom section, so that storage is most of its price.
	big := append(bytes.Clone(mod), 0, 0x86, 0x80, 0x04, 1, 'x') // custom section of 65542 bytes, named "x"
	big = append(big, make([]byte, 65540)...)
	for range 2 {
		if err := f.run(f.operator, &contracts.MsgUploadCode{Gzip: gz(big)}); err != nil {
			t.Fatal(err)
		}
	}
	if storage := contracts.DefaultParams().CodeByteGas * uint64(len(big)); f.GasUsed >= storage {
		t.Fatalf("uploading stored code again used %d gas: it paid for storage (%d) again", f.GasUsed, storage)
	}
	wantErr(t, "unknown code", f.run(f.operator, &contracts.MsgInstantiate{Code: contracts.Hash{1}, Cluster: 0}), contracts.ErrNoCode)
	// A name others will print may not fake lines or colours in their output.
	for _, name := range []string{"vote\nContract 00 fake ready", "\x1b[2Jvote", "vo\u202eetov", "\xffvote"} {
		wantErr(t, "name "+name, f.run(f.operator, &contracts.MsgInstantiate{Code: code, Cluster: 0, Name: name, Salt: []byte(name)}), contracts.ErrBadMsg)
		if _, ok := f.c.Contract(f.State, contracts.ContractID(f.operator.Public().Address(), code, 0, []byte(name))); ok {
			t.Fatalf("a contract named %q was created", name)
		}
	}
	if err := f.run(f.operator, &contracts.MsgInstantiate{Code: code, Cluster: 0, Name: "tiny"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "the same contract twice", f.run(f.operator, &contracts.MsgInstantiate{Code: code, Cluster: 0}), contracts.ErrExists)
	id := contracts.ContractID(f.operator.Public().Address(), code, 0, nil)
	wantErr(t, "a call before the key", f.run(f.operator, &contracts.MsgCall{Contract: id, Input: []byte("x"), GasLimit: 1_000_000}), contracts.ErrNotReady)

	// Two of three workers agree on the instantiation: the key is set.
	pub := []byte{}
	k, err := crypto.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	pub = k.PublicKey().Bytes()
	inst := contracts.ResultVote{Cluster: 0, Seq: 0, Status: contracts.StatusOK, Output: pub, StateRoot: contracts.InitialStateRoot(id)}
	stranger := f.newEnclave()
	f.register(stranger, registry.RoleWorker, f.operator)
	wantErr(t, "a vote from outside the cluster", f.post(stranger, contracts.TopicResult, inst), contracts.ErrNotMember)
	wantErr(t, "a vote for a command that does not exist", f.post(f.workers[0], contracts.TopicResult, contracts.ResultVote{Cluster: 0, Seq: 9}), contracts.ErrNoCommand)
	if err := f.post(f.workers[0], contracts.TopicResult, inst); err != nil {
		t.Fatal(err)
	}
	if _, done := f.c.Result(f.State, 0, 0); done {
		t.Fatal("one vote of three recorded a result")
	}
	if err := f.post(f.workers[1], contracts.TopicResult, inst); err != nil {
		t.Fatal(err)
	}
	if ct, _ := f.c.Contract(f.State, id); !bytes.Equal(ct.PublicKey, pub) {
		t.Fatal("the agreed key is not recorded")
	}
	// The third worker disagrees: it is named in an event and removed
	// from the cluster (with no stake, it has nothing to be slashed:
	// byzantine_test.go slashes one).
	f.Events = nil
	bad := inst
	bad.StateRoot = contracts.Hash{6}
	if err := f.post(f.workers[2], contracts.TopicResult, bad); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.Events, contracts.EventDisagreement) {
		t.Fatalf("events %v", f.Events)
	}
	c, _ := f.c.Cluster(f.State, 0)
	if c.Has(f.workers[2].Identity()) || len(c.Workers) != 2 {
		t.Fatalf("the dissenting worker is still in the cluster: %v", c.Workers)
	}
	// Its removal begins generation 1 of the cluster's key: the contract
	// waits for its new key, which the workers left agree on.
	if ct, _ := f.c.Contract(f.State, id); c.KeyGen != 1 || ct.PublicKey != nil {
		t.Fatalf("after a removal: cluster generation %d, contract key %x", c.KeyGen, ct.PublicKey)
	}
	err = f.run(f.operator, &contracts.MsgCall{Contract: id, Input: []byte("x"), GasLimit: 1_000_000})
	wantErr(t, "a call during the rekey", err, contracts.ErrNotReady)
	if !strings.Contains(err.Error(), "its key is being replaced after a worker left cluster 0") {
		t.Fatalf("the refusal %q does not say why", err)
	}
	rekey, _ := f.c.Command(f.State, 0, c.Commands-1)
	if rekey.Kind != contracts.KindRekey || rekey.KeyGen != 1 || rekey.Contract != id {
		t.Fatalf("the rekey command %+v", rekey)
	}
	k2, err := crypto.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	pub = k2.PublicKey().Bytes()
	for _, w := range f.workers[:2] {
		if err := f.post(w, contracts.TopicResult, contracts.ResultVote{Cluster: 0, Seq: rekey.Seq, Output: pub, StateRoot: inst.StateRoot}); err != nil {
			t.Fatal(err)
		}
	}
	if ct, _ := f.c.Contract(f.State, id); !bytes.Equal(ct.PublicKey, pub) || ct.KeyGen != 1 {
		t.Fatalf("the rekey is not recorded: %+v", ct)
	}

	// A call: gas bounds, escrow, then settlement.
	p := contracts.DefaultParams()
	wantErr(t, "too little gas", f.run(f.operator, &contracts.MsgCall{Contract: id, Input: []byte("x"), GasLimit: p.MinCommandGas - 1}), contracts.ErrGas)
	poor := key(t, "poor")
	f.fund(poor.Public().Address(), pha.Units(1))
	wantErr(t, "a fee the caller cannot pay", f.run(poor, &contracts.MsgCall{Contract: id, Input: []byte("x"), GasLimit: 1_000_000}), bank.ErrInsufficientFunds)
	caller := key(t, "caller")
	f.fund(caller.Public().Address(), pha.Tokens(1))
	if err := f.run(caller, &contracts.MsgCall{Contract: id, Input: []byte("sealed"), GasLimit: 1_000_000}); err != nil {
		t.Fatal(err)
	}
	var b bankkeeper.Keeper
	escrow := pha.Units(10 * 1_000_000)
	if got := b.Balance(f.State, contracts.Account()); got.Cmp(escrow) != 0 {
		t.Fatalf("escrow %s, want %s", got, escrow)
	}
	before := b.Balance(f.State, f.operator.Public().Address())
	seq := rekey.Seq + 1
	if cmd, _ := f.c.Command(f.State, 0, seq); cmd.KeyGen != 1 {
		t.Fatalf("a call sealed to the new key is logged as generation %d", cmd.KeyGen)
	}
	res := contracts.ResultVote{Cluster: 0, Seq: seq, Status: contracts.StatusOK, GasUsed: 400_001, Output: []byte("ct"), StateRoot: contracts.Hash{2}}
	over := res
	over.GasUsed = 1_000_001
	wantErr(t, "more gas than the limit", f.post(f.workers[0], contracts.TopicResult, over), contracts.ErrBadMsg)
	for _, w := range f.workers[:2] {
		if err := f.post(w, contracts.TopicResult, res); err != nil {
			t.Fatal(err)
		}
	}
	r, ok := f.c.Result(f.State, 0, seq)
	if !ok || r.Paid.Cmp(pha.Units(4_000_010)) != 0 {
		t.Fatalf("result %+v", r)
	}
	// Both agreeing workers have the same operator here: it got it all.
	after := b.Balance(f.State, f.operator.Public().Address())
	if d, _ := after.Sub(before); d.Cmp(pha.Units(4_000_010)) != 0 {
		t.Fatalf("operator paid %s", d)
	}
	if got := b.Balance(f.State, contracts.Account()); !got.IsZero() {
		t.Fatalf("escrow left %s after the refund", got)
	}
	if err := b.CheckSupply(f.State); err != nil {
		t.Fatal(err)
	}
}

// An instantiation the workers agree failed is recorded on the contract
// with its reason, instead of a key; calls to it are refused with that
// reason. Results carry their public message, bounded.
func TestFailedInstantiationIsRecordedAndRefusesCalls(t *testing.T) {
	f := newFixture(t)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids(), GasPrice: pha.Units(10)}); err != nil {
		t.Fatal(err)
	}
	mod := tinyModule()
	if err := f.run(f.operator, &contracts.MsgUploadCode{Gzip: gz(mod)}); err != nil {
		t.Fatal(err)
	}
	code := contracts.Hash(sha256.Sum256(mod))
	if err := f.run(f.operator, &contracts.MsgInstantiate{Code: code, Cluster: 0, Salt: []byte("bad")}); err != nil {
		t.Fatal(err)
	}
	id := contracts.ContractID(f.operator.Public().Address(), code, 0, []byte("bad"))

	failed := contracts.ResultVote{Cluster: 0, Seq: 0, Status: contracts.StatusInitFailed, StateRoot: contracts.InitialStateRoot(id),
		Message: "panic: the init panics"}
	long := failed
	long.Message = strings.Repeat("x", contracts.MaxMessage+1)
	wantErr(t, "a result message over the bound", f.post(f.workers[0], contracts.TopicResult, long), contracts.ErrBadMsg)
	for _, w := range f.workers[:2] {
		if err := f.post(w, contracts.TopicResult, failed); err != nil {
			t.Fatal(err)
		}
	}
	ct, _ := f.c.Contract(f.State, id)
	if !ct.Failed() || ct.Status != contracts.StatusInitFailed || ct.Error != "panic: the init panics" || ct.PublicKey != nil {
		t.Fatalf("failed contract recorded as %+v", ct)
	}
	if want := "init failed: panic: the init panics"; ct.Reason() != want {
		t.Fatalf("reason %q, want %q", ct.Reason(), want)
	}
	if r, ok := f.c.Result(f.State, 0, 0); !ok || r.Message != failed.Message || r.Reason() != ct.Reason() {
		t.Fatalf("result %+v", r)
	}
	caller := key(t, "caller")
	f.fund(caller.Public().Address(), pha.Tokens(1))
	err := f.run(caller, &contracts.MsgCall{Contract: id, Input: []byte("sealed"), GasLimit: 1_000_000})
	wantErr(t, "a call to a failed contract", err, contracts.ErrFailed)
	if !strings.Contains(err.Error(), "init failed: panic: the init panics") {
		t.Fatalf("the refusal does not say why: %v", err)
	}
	if c, _ := f.c.Cluster(f.State, 0); c.Commands != 1 {
		t.Fatalf("the refused call was logged: %d commands", c.Commands)
	}
	var b bankkeeper.Keeper
	if got := b.Balance(f.State, caller.Public().Address()); got.Cmp(pha.Tokens(1)) != 0 {
		t.Fatalf("the refused call cost the caller: %s left", got.PHA())
	}

	// The workers agreeing on a key that does not parse fail the contract
	// too, rather than leave it waiting for ever.
	if err := f.run(f.operator, &contracts.MsgInstantiate{Code: code, Cluster: 0, Salt: []byte("garbled")}); err != nil {
		t.Fatal(err)
	}
	garbled := contracts.ContractID(f.operator.Public().Address(), code, 0, []byte("garbled"))
	for _, w := range f.workers[:2] {
		if err := f.post(w, contracts.TopicResult, contracts.ResultVote{Cluster: 0, Seq: 1, Status: contracts.StatusOK, Output: []byte("short")}); err != nil {
			t.Fatal(err)
		}
	}
	if ct, _ := f.c.Contract(f.State, garbled); !ct.Failed() || ct.Status != contracts.StatusFailed || ct.PublicKey != nil {
		t.Fatalf("contract with a garbled key: %+v", ct)
	}
}

// A successful result encodes exactly as before results had a message.
// shareAll answers the gatekeeper's cluster key requests that have no
// answer yet, as its enclave does, and returns the workers they went to.
func (f *fixture) shareAll(t *testing.T, answered *int) []crypto.PublicKey {
	t.Helper()
	var to []crypto.PublicKey
	reqs := f.inbox(f.gk, keys.TopicClusterRequest)
	for _, m := range reqs[*answered:] {
		r := decode[keys.ClusterRequest](t, m)
		sealed, err := f.gk.ShareCluster(chainID, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.post(f.gk, keys.TopicClusterShare, keys.ClusterShare{Cluster: r.Cluster, Worker: r.Worker, Epoch: r.Epoch, Gen: r.Gen, Sealed: sealed}); err != nil {
			t.Fatal(err)
		}
		to = append(to, r.Worker)
	}
	*answered = len(reqs)
	return to
}

// unopened stands for the sealed bytes of an answer the chain refuses or
// drops for what the answer says: the chain never opens what is sealed.
var unopened = []byte("sealed to a worker; the chain cannot open it")

// receiveAll has each worker open the cluster keys the chain forwarded
// to it.
func (f *fixture) receiveAll(t *testing.T) {
	t.Helper()
	for _, w := range f.workers {
		for _, m := range f.inbox(w, keys.TopicClusterKey) {
			s := decode[keys.ClusterShare](t, m)
			if err := w.ReceiveCluster(chainID, s.Cluster, s.Epoch, s.Gen, s.Sealed); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A worker removed from a cluster is never sent the cluster key's next
// generation: the workers left are, and they derive the same new
// contract key, which the removed one cannot. A share for a generation
// nobody asked is refused; the answer to a request a newer generation
// replaced is dropped.
func TestRemovedWorkerIsNotSentTheNewClusterKey(t *testing.T) {
	f := newFixture(t)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids()}); err != nil {
		t.Fatal(err)
	}
	answered := 0
	f.shareAll(t, &answered)
	f.receiveAll(t)
	gone := f.workers[2]
	if err := f.run(f.operator, &contracts.MsgRemoveWorker{Cluster: 0, Worker: gone.Identity()}); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.c.Cluster(f.State, 0); c.KeyGen != 1 {
		t.Fatalf("the cluster's key generation after a removal: %d", c.KeyGen)
	}
	// A share of the new generation for the removed worker, which an
	// honest holder's enclave never seals (nothing asks for it): refused
	// by what it says, whatever it carries.
	wantErr(t, "a share to the removed worker", f.post(f.gk, keys.TopicClusterShare, keys.ClusterShare{Cluster: 0, Worker: gone.Identity(), Epoch: 0, Gen: 1, Sealed: unopened}), keys.ErrUnexpected)
	// An answer of generation 0 to the worker left, after the request
	// for generation 1: accepted and dropped.
	w0 := f.workers[0]
	old := unopened
	forwarded := len(f.inbox(w0, keys.TopicClusterKey))
	if err := f.post(f.gk, keys.TopicClusterShare, keys.ClusterShare{Cluster: 0, Worker: w0.Identity(), Epoch: 0, Sealed: old}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.inbox(w0, keys.TopicClusterKey)); n != forwarded {
		t.Fatal("a stale share was forwarded")
	}
	to := f.shareAll(t, &answered)
	slices.SortFunc(to, func(a, b crypto.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	if c, _ := f.c.Cluster(f.State, 0); !slices.Equal(to, c.Workers) {
		t.Fatalf("generation 1 went to %v, the cluster is %v", to, c.Workers)
	}
	f.receiveAll(t)
	var pubs [][]byte
	for _, w := range f.workers[:2] {
		if g, _ := w.ClusterGen(0); g != 1 {
			t.Fatalf("a worker left holds generation %d", g)
		}
		pub, err := w.ContractPublicKey(0, 1, [32]byte{1})
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, pub)
	}
	pub0, _ := f.workers[0].ContractPublicKey(0, 0, [32]byte{1})
	if !bytes.Equal(pubs[0], pubs[1]) || bytes.Equal(pubs[0], pub0) {
		t.Fatal("the workers left do not share a new contract key")
	}
	if _, err := gone.ContractPublicKey(0, 1, [32]byte{1}); !errors.Is(err, enclave.ErrNoClusterKey) {
		t.Fatalf("the removed worker derived the new key: %v", err)
	}
}
