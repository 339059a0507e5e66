package computing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
)

const chainID = "phalanx-test"

func key(name string) crypto.PrivateKey {
	seed := make([]byte, 32)
	copy(seed, name)
	k, _ := crypto.PrivateKeyFromSeed(seed)
	return k
}

type env struct {
	t      *testing.T
	state  *store.Cache
	router *module.Router
	q      *mq.Keeper
	c      *computing.Keeper
	now    time.Time
	height int64
	seq    uint64
	bank   bank.Keeper
}

func newEnv(t *testing.T) (*env, *enclave.Enclave, crypto.PrivateKey) {
	tree, err := store.OpenTree(t.TempDir(), store.DefaultTreeOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	dir := t.TempDir()
	sim, err := tee.Open(tee.Sim, tee.Options{Dir: dir, SimVersion: enclave.Version})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := sim.Measurement(context.Background())
	e := &env{t: t, state: store.NewCache(tree), router: module.NewRouter(), now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), height: 1}
	var reg registry.Keeper
	e.q = mq.NewKeeper(&reg)
	reg = registry.NewKeeper(e.q)
	e.c = computing.NewKeeper(e.q, &reg)
	e.q.RegisterMsgs(e.router)
	reg.RegisterMsgs(e.router)
	e.c.RegisterMsgs(e.router)
	g := registry.DefaultGenesis(key("council").Public().Address())
	g.Params.AllowSim = true
	g.Params.Measurements = []registry.Measurement{{Platform: tee.Sim, Value: m}}
	if err := reg.InitGenesis(e.state, g, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.c.InitGenesis(e.ctx(), computing.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	e.fund(crypto.ModuleAddress(bank.RewardPool), pha.Tokens(700_000_000))
	op := key("operator")
	e.fund(op.Public().Address(), pha.Tokens(10_000))
	w, _, err := enclave.Open(sim, dir)
	if err != nil {
		t.Fatal(err)
	}
	regMsg, err := w.Registration(context.Background(), registry.RoleWorker, chainID, op.Public().Address(), e.now)
	if err != nil {
		t.Fatal(err)
	}
	e.advance(time.Second)
	if err := e.run(op, &registry.MsgRegisterWorker{Registration: regMsg}); err != nil {
		t.Fatal(err)
	}
	return e, w, op
}

func (e *env) ctx() *module.Context {
	return module.NewContext(e.state, module.Block{ChainID: chainID, Height: e.height, Time: e.now}, crypto.Address{}, nil, nil)
}

func (e *env) fund(a crypto.Address, amt pha.Amount) {
	bal, _ := e.bank.Balance(e.state, a).Add(amt)
	sup, _ := e.bank.Supply(e.state).Add(amt)
	e.state.Set(bank.BalanceKey(a), codec.MustMarshal(bal))
	e.state.Set(bank.SupplyKey(), codec.MustMarshal(sup))
}

func (e *env) advance(d time.Duration) {
	e.now = e.now.Add(d)
	e.height++
}

func (e *env) run(sender crypto.PrivateKey, msg module.Msg) error {
	e.t.Helper()
	if err := msg.ValidateBasic(); err != nil {
		return err
	}
	c := store.NewCache(e.state)
	ctx := module.NewContext(c, module.Block{ChainID: chainID, Height: e.height, Time: e.now}, sender.Public().Address(), module.NewGasMeter(50_000_000), nil)
	err := e.router.Handle(ctx, msg)
	if err == nil {
		c.Write(e.state)
	}
	return err
}

func (e *env) post(w *enclave.Enclave, topic string, v any) error {
	err := e.run(key("operator"), w.Post(chainID, e.seq, topic, codec.MustMarshal(v)))
	if err == nil {
		e.seq++
	}
	return err
}

func (e *env) endBlock(votes ...computing.Vote) {
	e.t.Helper()
	if err := e.c.EndBlock(e.ctx(), []byte{byte(e.height)}, votes); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) worker(id crypto.PublicKey) computing.Worker {
	w, _ := e.c.Worker(e.state, id)
	return w
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

func TestComputingSessionHeartbeatsAndRewards(t *testing.T) {
	e, w, op := newEnv(t)
	id := w.Identity()
	p := computing.DefaultParams()

	// The enclave's benchmark: 1,000 iterations in 6 s is P = 1000.
	wantErr(t, "start before a score", e.run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}), computing.ErrNoWorker)
	if err := e.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "a second benchmark", e.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 9000, SpanMillis: 6000}), computing.ErrAlreadyScored)
	if rec := e.worker(id); rec.P != 1000 || rec.State != computing.Ready {
		t.Fatalf("after the benchmark: %+v", rec)
	}

	// k·√P = 50 × 31.6… = 1581.1 PHA.
	wantErr(t, "too little stake", e.run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(1581)}), computing.ErrStakeTooLow)
	wantErr(t, "not the operator", e.run(key("stranger"), &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}), computing.ErrNotOperator)
	if err := e.run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}
	rec := e.worker(id)
	if rec.State != computing.Idle || rec.V.Cmp(fixed.Int(3450)) != 0 { // 1.5 × (2000 + 300)
		t.Fatalf("after start: %+v", rec)
	}
	wantErr(t, "a heartbeat without a challenge", e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: 1}), computing.ErrNoChallenge)

	// An hour later the odds are 2: the worker is challenged.
	e.advance(time.Hour)
	e.endBlock()
	rec = e.worker(id)
	if rec.Challenged == 0 || e.q.EgressCount(e.state, id) < 2 {
		t.Fatalf("no challenge after an hour: %+v", rec)
	}
	wantErr(t, "an answer to another challenge", e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight + 1, Iterations: 1000, SpanMillis: 6000}), computing.ErrNoChallenge)
	pool := e.bank.ModuleBalance(e.state, bank.RewardPool)
	opBefore := e.bank.Balance(e.state, op.Public().Address())
	e.advance(time.Minute)
	// An instant score above 1.2 × P counts as 1.2 × P.
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 5000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	rec = e.worker(id)
	if rec.InstantP != 1200 || rec.Heartbeats != 1 || rec.Challenged != 0 {
		t.Fatalf("after the heartbeat: %+v", rec)
	}
	wantV, _ := computing.Grow(p, fixed.Int(3450), 1000, 1000, int64(61*time.Minute))
	if rec.V.Cmp(wantV) != 0 {
		t.Fatalf("V = %s, want %s", rec.V, wantV)
	}
	// The only worker gets the whole budget of the 61 minutes: 70 % to
	// the operator, 10 % to the gatekeepers, 20 % to the treasury.
	start := e.c.Totals(e.state).Start
	budget, _ := computing.Budget(p, start, start, start+int64(61*time.Minute)) // 720,000 × 61/1440
	paid, _ := pool.Sub(e.bank.ModuleBalance(e.state, bank.RewardPool))
	if d, _ := budget.Sub(fixed.FromPHA(paid)); fixed.FromPHA(paid).Cmp(budget) > 0 || d.Cmp(fixed.MustParse("0.000001")) > 0 {
		t.Fatalf("paid %s of a budget of %s", paid.PHA(), budget)
	}
	earned, _ := e.bank.Balance(e.state, op.Public().Address()).Sub(opBefore)
	seventy, _ := fixed.FromPHA(paid).Mul(fixed.MustParse("0.7"))
	if earned.Cmp(seventy.PHA()) != 0 || rec.Earned.Cmp(earned) != 0 {
		t.Fatalf("operator earned %s of %s", earned.PHA(), paid.PHA())
	}
	if err := e.bank.CheckSupply(e.state); err != nil {
		t.Fatal(err)
	}

	// Challenged again and silent past the window: unresponsive, and V
	// decays; a late answer recovers it without pay.
	e.advance(time.Hour)
	e.endBlock()
	e.advance(3 * time.Minute)
	e.endBlock()
	rec = e.worker(id)
	if rec.State != computing.Unresponsive || rec.Missed != 1 {
		t.Fatalf("after a missed heartbeat: %+v", rec)
	}
	if !e.c.Totals(e.state).Share.IsZero() {
		t.Fatal("an unresponsive worker still counts in Σshare")
	}
	e.advance(10 * time.Hour)
	pool = e.bank.ModuleBalance(e.state, bank.RewardPool)
	vBefore := rec.V
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	rec = e.worker(id)
	if rec.State != computing.Idle || rec.V.Cmp(vBefore) >= 0 || e.bank.ModuleBalance(e.state, bank.RewardPool).Cmp(pool) != 0 {
		t.Fatalf("after a late heartbeat: %+v (V was %s)", rec, vBefore)
	}

	// Gatekeepers are paid by voting power from their account.
	gk := e.bank.ModuleBalance(e.state, computing.Gatekeepers)
	a, b := key("gk-a").Public().Address(), key("gk-b").Public().Address()
	e.advance(time.Second)
	e.endBlock(computing.Vote{Account: a, Power: 3}, computing.Vote{Account: b, Power: 1})
	if ga := e.bank.Balance(e.state, a); ga.IsZero() || !e.bank.ModuleBalance(e.state, computing.Gatekeepers).IsZero() {
		t.Fatalf("gatekeepers' pot %s not paid out (a got %s)", gk.PHA(), ga.PHA())
	}
	quarter, _ := gk.MulDiv(pha.Units(1), pha.Units(4))
	if got := e.bank.Balance(e.state, b); got.Cmp(quarter) < 0 {
		t.Fatalf("b (a quarter of the power) got %s of %s", got.PHA(), gk.PHA())
	}

	// Stop, cooldown, reclaim.
	if err := e.run(op, &computing.MsgStop{Worker: id}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "reclaim during the cooldown", e.run(op, &computing.MsgReclaim{Worker: id}), computing.ErrCoolingDown)
	e.advance(7 * 24 * time.Hour)
	before := e.bank.Balance(e.state, op.Public().Address())
	if err := e.run(op, &computing.MsgReclaim{Worker: id}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.bank.Balance(e.state, op.Public().Address()).Sub(before); got.Cmp(pha.Tokens(2000)) != 0 {
		t.Fatalf("reclaimed %s", got.PHA())
	}
	if rec := e.worker(id); rec.State != computing.Ready {
		t.Fatalf("after reclaim: %+v", rec)
	}
	if err := e.bank.CheckSupply(e.state); err != nil {
		t.Fatal(err)
	}
}

// The pool pays nothing beyond what it holds.
func TestEmptyPoolPaysNothing(t *testing.T) {
	e, w, op := newEnv(t)
	id := w.Identity()
	// Drain the pool to one unit.
	pool := crypto.ModuleAddress(bank.RewardPool)
	left, _ := e.bank.Balance(e.state, pool).Sub(pha.Units(1))
	if err := e.bank.Move(e.state, pool, key("sink").Public().Address(), left); err != nil {
		t.Fatal(err)
	}
	if err := e.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	if err := e.run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Hour)
	e.endBlock()
	rec := e.worker(id)
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	if got := e.bank.Balance(e.state, pool); !got.IsZero() {
		t.Fatalf("pool holds %s", got)
	}
	if got := e.c.Totals(e.state).Paid; got.Cmp(pha.Units(1)) != 0 {
		t.Fatalf("paid %s from a pool of 1 unit", got)
	}
	if err := e.bank.CheckSupply(e.state); err != nil {
		t.Fatal(err)
	}
}
