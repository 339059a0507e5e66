package keeper_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee"
)

const chainID = "phalanx-test"

var t0 = time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)

func key(t testing.TB, name string) crypto.PrivateKey {
	t.Helper()
	seed := make([]byte, 32)
	copy(seed, name)
	k, err := crypto.PrivateKeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// env is a registry over a fresh state, with a sim platform whose
// measurement is allowlisted.
type env struct {
	t        *testing.T
	state    *store.Cache
	router   *module.Router
	reg      registrykeeper.Keeper
	q        *mqkeeper.Keeper
	sim      tee.Platform
	council  crypto.PrivateKey
	operator crypto.PrivateKey
	height   int64
	now      time.Time
	chainID  string
}

// newEnv returns a fresh env; with applies options to the registry
// keeper before its messages are routed.
func newEnv(t *testing.T, with ...func(registrykeeper.Keeper) registrykeeper.Keeper) *env {
	t.Helper()
	tree, err := statedb.Open(t.TempDir(), statedb.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	sim, err := tee.Open(tee.Sim, tee.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := sim.Measurement(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, state: store.NewCache(tree), router: module.NewRouter(), sim: sim,
		council: key(t, "council"), operator: key(t, "operator"), height: 10, now: t0, chainID: chainID}
	e.q = mqkeeper.NewKeeper(registrykeeper.Records{})
	reg := registrykeeper.NewKeeper(e.q)
	for _, w := range with {
		reg = w(reg)
	}
	e.reg = reg
	e.q.RegisterMsgs(e.router)
	reg.RegisterMsgs(e.router)
	g := registry.DefaultGenesis(e.council.Public().Address())
	g.Params.AllowSim = true
	g.Params.Measurements = []registry.Measurement{{Platform: tee.Sim, Value: m}}
	g.Validators = []crypto.PublicKey{key(t, "validator").Public()}
	if err := reg.InitGenesis(module.NewContext(e.state, module.Block{ChainID: chainID, Height: e.height, Time: e.now}, crypto.Address{}, nil, nil), g); err != nil {
		t.Fatal(err)
	}
	return e
}

// run executes msg from sender in its own cache, as a transaction would,
// and writes the changes only if it succeeded. It reports whether the
// failed message wrote anything to its cache before failing (it must
// not matter, but registrations check everything before writing).
func (e *env) run(sender crypto.PrivateKey, msg module.Msg) error {
	e.t.Helper()
	if err := msg.ValidateBasic(); err != nil {
		return err
	}
	c := store.NewCache(e.state)
	ctx := module.NewContext(c, module.Block{ChainID: e.chainID, Height: e.height, Time: e.now}, sender.Public().Address(), module.NewGasMeter(50_000_000), nil)
	err := e.router.Handle(ctx, msg)
	if err == nil {
		c.Write(e.state)
	}
	return err
}

// enclaveKeys is a worker enclave's key pair.
type enclaveKeys struct {
	id  crypto.PrivateKey
	enc []byte
}

func newEnclave(t *testing.T, name string) enclaveKeys {
	t.Helper()
	k, err := crypto.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	return enclaveKeys{id: key(t, name), enc: k.PublicKey().Bytes()}
}

// registration attests ek on p for operator, binding the given chain id.
func (e *env) registration(p tee.Platform, ek enclaveKeys, operator crypto.Address, chain string, version uint32, at time.Time) registry.Registration {
	e.t.Helper()
	rd := registry.ReportData(registry.RoleWorker, chain, operator, ek.id.Public(), ek.enc, version, at.Unix())
	ev, err := p.Attest(context.Background(), rd)
	if err != nil {
		e.t.Fatal(err)
	}
	return registry.Registration{Evidence: ev, Identity: ek.id.Public(), EncryptionKey: ek.enc, Version: version, AttestedAt: at.Unix()}
}

func (e *env) register(ek enclaveKeys, at time.Time) error {
	reg := e.registration(e.sim, ek, e.operator.Public().Address(), e.chainID, 1, at)
	return e.run(e.operator, &registry.MsgRegisterWorker{Registration: reg})
}

func TestRegisterWorkerRecordsAndNotifies(t *testing.T) {
	e := newEnv(t)
	ek := newEnclave(t, "w1")
	if err := e.register(ek, e.now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	w, ok := e.reg.Worker(e.state, ek.id.Public())
	if !ok {
		t.Fatal("worker not recorded")
	}
	if w.Operator != e.operator.Public().Address() || w.Platform != tee.Sim || string(w.EncryptionKey) != string(ek.enc) ||
		w.RegisteredHeight != e.height || w.AttestedAt != e.now.Add(-time.Minute).Unix() || !w.Insecure() {
		t.Fatalf("record %+v", w)
	}
	if n := e.q.EgressCount(e.state, ek.id.Public()); n != 1 {
		t.Fatalf("%d messages to the worker, want 1", n)
	}
	m, _ := e.q.Egress(e.state, ek.id.Public(), 0)
	var r registry.Registered
	if m.Topic != registry.TopicRegistered || codec.Unmarshal(m.Payload, &r) != nil || r.Refresh || r.Height != e.height {
		t.Fatalf("message %+v / %+v", m, r)
	}

	// A newer quote refreshes the record and keeps the keys.
	e.height, e.now = 20, e.now.Add(time.Hour)
	if err := e.register(ek, e.now); err != nil {
		t.Fatal(err)
	}
	w2, _ := e.reg.Worker(e.state, ek.id.Public())
	if w2.RegisteredHeight != 10 || w2.RefreshedHeight != 20 || w2.AttestedAt != e.now.Unix() {
		t.Fatalf("refreshed record %+v", w2)
	}
	// The same attestation again is a replay.
	if err := e.register(ek, e.now); !errors.Is(err, registry.ErrAttestationReused) {
		t.Fatalf("replayed registration: %v", err)
	}
	// Same identity, another encryption key: refused.
	other := ek
	other.enc = newEnclave(t, "x").enc
	e.now = e.now.Add(time.Minute)
	if err := e.register(other, e.now); !errors.Is(err, registry.ErrKeysChanged) {
		t.Fatalf("changed keys: %v", err)
	}
}

// unchanged checks that a refused message left the state as it was.
func unchanged(t *testing.T, e *env, before map[string]string) {
	t.Helper()
	after := dump(e.state)
	if len(after) != len(before) {
		t.Fatalf("state changed: %d keys, was %d", len(after), len(before))
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("state key %q changed", k)
		}
	}
}

func dump(c *store.Cache) map[string]string {
	out := map[string]string{}
	c.Iterate(nil, func(k, v []byte) bool { out[string(k)] = string(v); return true })
	return out
}

func TestRegisterWorkerRefusals(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	at := e.now.Add(-time.Minute)
	op := e.operator.Public().Address()
	ek := newEnclave(t, "w1")
	other, err := tee.Open(tee.Sim, tee.Options{Dir: t.TempDir(), SimMeasurement: make([]byte, 48)})
	if err != nil {
		t.Fatal(err)
	}
	tampered := e.registration(e.sim, ek, op, chainID, 1, at)
	tampered.Evidence.Quote = append([]byte(nil), tampered.Evidence.Quote...)
	tampered.Evidence.Quote[len(tampered.Evidence.Quote)-3] ^= 1
	tdxQuote, err := os.ReadFile("../../../../tee/testdata/tdx-dcap-qvl-1.quote")
	if err != nil {
		t.Fatal(err)
	}
	foreignTDX := registry.Registration{Evidence: tee.Evidence{Platform: tee.TDX, Quote: tdxQuote}, Identity: ek.id.Public(), EncryptionKey: ek.enc, Version: 1, AttestedAt: at.Unix()}
	_ = ctx

	cases := []struct {
		name string
		reg  registry.Registration
		from crypto.PrivateKey
		want error
		prep func()
	}{
		{"wrong chain id", e.registration(e.sim, ek, op, "another-chain", 1, at), e.operator, registry.ErrReportData, nil},
		{"another operator sends it", e.registration(e.sim, ek, op, chainID, 1, at), key(t, "thief"), registry.ErrReportData, nil},
		{"keys not bound", func() registry.Registration {
			r := e.registration(e.sim, ek, op, chainID, 1, at)
			r.EncryptionKey = newEnclave(t, "y").enc
			return r
		}(), e.operator, registry.ErrReportData, nil},
		{"measurement not allowlisted", e.registration(other, ek, op, chainID, 1, at), e.operator, registry.ErrNotAllowlisted, nil},
		{"tampered quote", tampered, e.operator, registry.ErrBadAttestation, nil},
		{"attested in the future", e.registration(e.sim, ek, op, chainID, 1, e.now.Add(time.Second)), e.operator, registry.ErrStaleAttestation, nil},
		{"attestation too old", e.registration(e.sim, ek, op, chainID, 1, e.now.Add(-2*time.Hour)), e.operator, registry.ErrStaleAttestation, nil},
		{"real TDX quote for other data", foreignTDX, e.operator, registry.ErrReportData, nil},
		{"version too low", e.registration(e.sim, ek, op, chainID, 1, at), e.operator, registry.ErrVersionTooLow, func() {
			p := e.reg.Params(e.state)
			p.MinWorkerVersion = 2
			e.reg.SetParams(e.state, p)
		}},
		{"sim on a chain that refuses it", e.registration(e.sim, ek, op, chainID, 1, at), e.operator, registry.ErrSimNotAllowed, func() {
			p := e.reg.Params(e.state)
			p.AllowSim, p.MinWorkerVersion = false, 0
			e.reg.SetParams(e.state, p)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.prep != nil {
				c.prep()
			}
			before := dump(e.state)
			err := e.run(c.from, &registry.MsgRegisterWorker{Registration: c.reg})
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			unchanged(t, e, before)
		})
	}
}

func TestExpiredTDXQuoteRefused(t *testing.T) {
	e := newEnv(t)
	quote, err := os.ReadFile("../../../../tee/testdata/tdx-dcap-qvl-1.quote")
	if err != nil {
		t.Fatal(err)
	}
	ek := newEnclave(t, "w")
	e.now = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC) // after the PCK certificate expired
	reg := registry.Registration{Evidence: tee.Evidence{Platform: tee.TDX, Quote: quote}, Identity: ek.id.Public(), EncryptionKey: ek.enc, Version: 1, AttestedAt: e.now.Unix()}
	if err := e.run(e.operator, &registry.MsgRegisterWorker{Registration: reg}); !errors.Is(err, registry.ErrBadAttestation) {
		t.Fatalf("expired quote: %v", err)
	}
}

func TestRegisterGatekeeperOnlyValidators(t *testing.T) {
	e := newEnv(t)
	ek := newEnclave(t, "gk")
	at := e.now.Add(-time.Minute)
	for _, c := range []struct {
		from crypto.PrivateKey
		want error
	}{{e.operator, registry.ErrNotValidator}, {key(t, "validator"), nil}} {
		rd := registry.ReportData(registry.RoleGatekeeper, chainID, c.from.Public().Address(), ek.id.Public(), ek.enc, 1, at.Unix())
		ev, err := e.sim.Attest(context.Background(), rd)
		if err != nil {
			t.Fatal(err)
		}
		reg := registry.Registration{Evidence: ev, Identity: ek.id.Public(), EncryptionKey: ek.enc, Version: 1, AttestedAt: at.Unix()}
		if err := e.run(c.from, &registry.MsgRegisterGatekeeper{Registration: reg}); !errors.Is(err, c.want) && err != c.want {
			t.Fatalf("from %s: %v, want %v", c.from.Public().Address(), err, c.want)
		}
	}
	g, ok := e.reg.Gatekeeper(e.state, ek.id.Public())
	if !ok || g.Validator != key(t, "validator").Public().Address() {
		t.Fatalf("gatekeeper record %+v", g)
	}
	// A worker's quote cannot register a gatekeeper: the role is bound.
	wk := newEnclave(t, "w")
	wreg := e.registration(e.sim, wk, key(t, "validator").Public().Address(), chainID, 1, at)
	if err := e.run(key(t, "validator"), &registry.MsgRegisterGatekeeper{Registration: wreg}); !errors.Is(err, registry.ErrReportData) {
		t.Fatalf("worker quote as gatekeeper: %v", err)
	}
}

func TestUpdateParamsOnlyCouncil(t *testing.T) {
	e := newEnv(t)
	p := e.reg.Params(e.state)
	p.MinWorkerVersion = 7
	if err := e.run(e.operator, &registry.MsgUpdateParams{Params: p}); !errors.Is(err, registry.ErrNotCouncil) {
		t.Fatalf("non-council: %v", err)
	}
	if err := e.run(e.council, &registry.MsgUpdateParams{Params: p}); err != nil {
		t.Fatal(err)
	}
	if e.reg.Params(e.state).MinWorkerVersion != 7 {
		t.Fatal("params not updated")
	}
	bad := p
	bad.Measurements = append(bad.Measurements, registry.Measurement{Platform: "sgx", Value: []byte{1}})
	if err := e.run(e.council, &registry.MsgUpdateParams{Params: bad}); !errors.Is(err, registry.ErrBadParams) {
		t.Fatalf("bad params: %v", err)
	}
}

func TestMessageQueueSequenceAndSignature(t *testing.T) {
	e := newEnv(t)
	ek := newEnclave(t, "w1")
	if err := e.register(ek, e.now); err != nil {
		t.Fatal(err)
	}
	online := codec.MustMarshal(registry.Online{Version: 1, SyncedHeight: 5})
	post := func(signer crypto.PrivateKey, seq uint64, topic string, chain string) *mq.MsgPost {
		id := ek.id.Public()
		sig := signer.Sign(mq.SigningContext, mq.SignBytes(chain, id, seq, topic, online))
		return &mq.MsgPost{Sender: id, Seq: seq, Topic: topic, Payload: online, Signature: sig}
	}
	stranger := newEnclave(t, "stranger")
	strangerPost := &mq.MsgPost{Sender: stranger.id.Public(), Seq: 0, Topic: registry.TopicOnline, Payload: online,
		Signature: stranger.id.Sign(mq.SigningContext, mq.SignBytes(chainID, stranger.id.Public(), 0, registry.TopicOnline, online))}
	for _, c := range []struct {
		name string
		msg  *mq.MsgPost
		want error
	}{
		{"skips a sequence", post(ek.id, 1, registry.TopicOnline, chainID), mq.ErrBadSequence},
		{"signed by another key", post(key(t, "other"), 0, registry.TopicOnline, chainID), mq.ErrBadSignature},
		{"signed for another chain", post(ek.id, 0, registry.TopicOnline, "other-chain"), mq.ErrBadSignature},
		{"unknown topic", post(ek.id, 0, "nobody/listens", chainID), mq.ErrUnknownTopic},
		{"unregistered sender", strangerPost, mq.ErrUnknownSender},
	} {
		before := dump(e.state)
		if err := e.run(e.operator, c.msg); !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.want)
		}
		unchanged(t, e, before)
	}
	e.height = 11
	if err := e.run(e.operator, post(ek.id, 0, registry.TopicOnline, chainID)); err != nil {
		t.Fatal(err)
	}
	if w, _ := e.reg.Worker(e.state, ek.id.Public()); w.LastSeenHeight != 11 || w.SyncedHeight != 5 {
		t.Fatalf("record after online: %+v", w)
	}
	if err := e.run(e.operator, post(ek.id, 0, registry.TopicOnline, chainID)); !errors.Is(err, mq.ErrBadSequence) {
		t.Fatalf("replay: %v", err)
	}
	if err := e.run(e.operator, post(ek.id, 1, registry.TopicOnline, chainID)); err != nil {
		t.Fatalf("next sequence: %v", err)
	}
}
