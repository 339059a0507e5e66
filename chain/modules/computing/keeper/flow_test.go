package keeper_test

import (
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	computingkeeper "github.com/phalanx-net/phalanx/chain/modules/computing/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
)

func key(name string) crypto.PrivateKey { return modtest.Key(name) }

type env struct {
	*modtest.Env
	q    *mqkeeper.Keeper
	c    *computingkeeper.Keeper
	bank bankkeeper.Keeper
}

// newEnv has a registered worker (operated by "operator") and a funded
// reward pool.
func newEnv(t *testing.T) (*env, *enclave.Enclave, crypto.PrivateKey) {
	e := &env{Env: modtest.New(t)}
	e.q = mqkeeper.NewKeeper(registrykeeper.Records{})
	reg := registrykeeper.NewKeeper(e.q)
	e.c = computingkeeper.NewKeeper(e.q, registrykeeper.Records{})
	e.Use(registrykeeper.Module{Keeper: reg}, computingkeeper.Module{Keeper: e.c}, mqkeeper.Module{Keeper: e.q})
	if err := reg.InitGenesis(e.Ctx(), e.RegistryGenesis(key("council").Public().Address())); err != nil {
		t.Fatal(err)
	}
	if err := e.c.InitGenesis(e.Ctx(), computing.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	e.Fund(crypto.ModuleAddress(bank.RewardPool), pha.Tokens(700_000_000))
	op := key("operator")
	e.Fund(op.Public().Address(), pha.Tokens(10_000))
	w := e.NewEnclave()
	e.Advance(time.Second)
	e.Register(w, registry.RoleWorker, op)
	return e, w, op
}

func (e *env) post(w *enclave.Enclave, topic string, v any) error {
	return e.Post(key("operator"), w, topic, v)
}

func (e *env) endBlock(votes ...module.Vote) {
	e.T.Helper()
	if err := e.EndBlock([]byte{byte(e.Height)}, votes...); err != nil {
		e.T.Fatal(err)
	}
}

func (e *env) worker(id crypto.PublicKey) computing.Worker {
	w, _ := e.c.Worker(e.State, id)
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
	wantErr(t, "start before a score", e.Run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}), computing.ErrNoWorker)
	if err := e.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "a second benchmark", e.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 9000, SpanMillis: 6000}), computing.ErrAlreadyScored)
	if rec := e.worker(id); rec.P != 1000 || rec.State != computing.Ready {
		t.Fatalf("after the benchmark: %+v", rec)
	}

	// k·√P = 50 × 31.6… = 1581.1 PHA.
	wantErr(t, "too little stake", e.Run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(1581)}), computing.ErrStakeTooLow)
	wantErr(t, "not the operator", e.Run(key("stranger"), &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}), computing.ErrNotOperator)
	if err := e.Run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}
	rec := e.worker(id)
	if rec.State != computing.Idle || rec.V.Cmp(fixed.Int(3450)) != 0 { // 1.5 × (2000 + 300)
		t.Fatalf("after start: %+v", rec)
	}
	wantErr(t, "a heartbeat without a challenge", e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: 1}), computing.ErrNoChallenge)

	// An hour later the odds are 2: the worker is challenged.
	e.Advance(time.Hour)
	e.endBlock()
	rec = e.worker(id)
	if rec.Challenged == 0 || rec.ChallengeHeight != e.Height {
		t.Fatalf("no challenge after an hour: %+v", rec)
	}
	// The worker reads its challenge from its record: nothing is queued
	// for it beyond its registration notice.
	if n := e.q.EgressCount(e.State, id); n != 1 {
		t.Fatalf("%d messages queued for the worker", n)
	}
	wantErr(t, "an answer to another challenge", e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight + 1, Iterations: 1000, SpanMillis: 6000}), computing.ErrNoChallenge)
	pool := e.bank.ModuleBalance(e.State, bank.RewardPool)
	opBefore := e.bank.Balance(e.State, op.Public().Address())
	e.Advance(time.Minute)
	// An instant score above 1.2 × P counts as 1.2 × P.
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 5000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	rec = e.worker(id)
	if rec.InstantP != 1200 || rec.Heartbeats != 1 || rec.Challenged != 0 || rec.LastHeartbeatHeight != e.Height {
		t.Fatalf("after the heartbeat: %+v", rec)
	}
	wantV, _ := computing.Grow(p, fixed.Int(3450), 1000, 1000, int64(61*time.Minute))
	if rec.V.Cmp(wantV) != 0 {
		t.Fatalf("V = %s, want %s", rec.V, wantV)
	}
	// The only worker gets the whole budget of the 61 minutes: 70 % to
	// the operator, 10 % to the gatekeepers, 20 % to the treasury.
	start := e.c.Totals(e.State).Start
	budget, _ := computing.Budget(p, start, start, start+int64(61*time.Minute)) // 720,000 × 61/1440
	paid, _ := pool.Sub(e.bank.ModuleBalance(e.State, bank.RewardPool))
	if d, _ := budget.Sub(fixed.FromPHA(paid)); fixed.FromPHA(paid).Cmp(budget) > 0 || d.Cmp(fixed.MustParse("0.000001")) > 0 {
		t.Fatalf("paid %s of a budget of %s", paid.PHA(), budget)
	}
	earned, _ := e.bank.Balance(e.State, op.Public().Address()).Sub(opBefore)
	seventy, _ := fixed.FromPHA(paid).Mul(fixed.MustParse("0.7"))
	if earned.Cmp(seventy.PHA()) != 0 || rec.Earned.Cmp(earned) != 0 {
		t.Fatalf("operator earned %s of %s", earned.PHA(), paid.PHA())
	}
	if err := e.bank.CheckSupply(e.State); err != nil {
		t.Fatal(err)
	}

	// Challenged again and silent past the window: unresponsive, and V
	// decays; a late answer recovers it without pay.
	e.Advance(time.Hour)
	e.endBlock()
	e.Advance(3 * time.Minute)
	e.endBlock()
	rec = e.worker(id)
	if rec.State != computing.Unresponsive || rec.Missed != 1 {
		t.Fatalf("after a missed heartbeat: %+v", rec)
	}
	if !e.c.Totals(e.State).Share.IsZero() {
		t.Fatal("an unresponsive worker still counts in Σshare")
	}
	e.Advance(10 * time.Hour)
	pool = e.bank.ModuleBalance(e.State, bank.RewardPool)
	vBefore := rec.V
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	rec = e.worker(id)
	if rec.State != computing.Idle || rec.V.Cmp(vBefore) >= 0 || e.bank.ModuleBalance(e.State, bank.RewardPool).Cmp(pool) != 0 {
		t.Fatalf("after a late heartbeat: %+v (V was %s)", rec, vBefore)
	}

	// Gatekeepers are paid by voting power from their account.
	gk := e.bank.ModuleBalance(e.State, computing.Gatekeepers)
	a, b := key("gk-a").Public().Address(), key("gk-b").Public().Address()
	e.Advance(time.Second)
	e.endBlock(module.Vote{Account: a, Power: 3}, module.Vote{Account: b, Power: 1})
	if ga := e.bank.Balance(e.State, a); ga.IsZero() || !e.bank.ModuleBalance(e.State, computing.Gatekeepers).IsZero() {
		t.Fatalf("gatekeepers' pot %s not paid out (a got %s)", gk.PHA(), ga.PHA())
	}
	quarter, _ := gk.MulDiv(pha.Units(1), pha.Units(4))
	if got := e.bank.Balance(e.State, b); got.Cmp(quarter) < 0 {
		t.Fatalf("b (a quarter of the power) got %s of %s", got.PHA(), gk.PHA())
	}

	// Stop, cooldown, reclaim.
	if err := e.Run(op, &computing.MsgStop{Worker: id}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "reclaim during the cooldown", e.Run(op, &computing.MsgReclaim{Worker: id}), computing.ErrCoolingDown)
	e.Advance(7 * 24 * time.Hour)
	before := e.bank.Balance(e.State, op.Public().Address())
	if err := e.Run(op, &computing.MsgReclaim{Worker: id}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.bank.Balance(e.State, op.Public().Address()).Sub(before); got.Cmp(pha.Tokens(2000)) != 0 {
		t.Fatalf("reclaimed %s", got.PHA())
	}
	if rec := e.worker(id); rec.State != computing.Ready {
		t.Fatalf("after reclaim: %+v", rec)
	}
	if err := e.bank.CheckSupply(e.State); err != nil {
		t.Fatal(err)
	}
}

// The pool pays nothing beyond what it holds.
func TestEmptyPoolPaysNothing(t *testing.T) {
	e, w, op := newEnv(t)
	id := w.Identity()
	// Drain the pool to one unit.
	pool := crypto.ModuleAddress(bank.RewardPool)
	left, _ := e.bank.Balance(e.State, pool).Sub(pha.Units(1))
	if err := e.bank.Move(e.State, pool, key("sink").Public().Address(), left); err != nil {
		t.Fatal(err)
	}
	if err := e.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	e.endBlock()
	rec := e.worker(id)
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	if got := e.bank.Balance(e.State, pool); !got.IsZero() {
		t.Fatalf("pool holds %s", got)
	}
	if got := e.c.Totals(e.State).Paid; got.Cmp(pha.Units(1)) != 0 {
		t.Fatalf("paid %s from a pool of 1 unit", got)
	}
	if err := e.bank.CheckSupply(e.State); err != nil {
		t.Fatal(err)
	}
}

// A penalized worker (its contract result differed from its cluster's)
// turns unresponsive with a challenge open, and answering that challenge
// makes it idle and earning again.
func TestPenalizedWorkerRecoversByAnsweringItsChallenge(t *testing.T) {
	e, w, op := newEnv(t)
	id := w.Identity()
	if err := e.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Minute)
	if _, err := e.c.Penalize(e.Ctx(), id); err != nil {
		t.Fatal(err)
	}
	rec := e.worker(id)
	if rec.State != computing.Unresponsive || rec.Missed != 1 || rec.Challenged != e.Now.UnixNano() || rec.ChallengeHeight != e.Height {
		t.Fatalf("after the penalty: %+v", rec)
	}
	if !e.c.Totals(e.State).Share.IsZero() {
		t.Fatal("a penalized worker still counts in Σshare")
	}
	// Blocks pass: no draw challenges it again, the open one stays.
	for range 3 {
		e.Advance(time.Hour)
		e.endBlock()
	}
	if got := e.worker(id); got.ChallengeHeight != rec.ChallengeHeight || got.State != computing.Unresponsive {
		t.Fatalf("after three blocks: %+v", got)
	}
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatalf("the answer to the penalty's challenge: %v", err)
	}
	rec = e.worker(id)
	if rec.State != computing.Idle || rec.Challenged != 0 || rec.Heartbeats != 1 {
		t.Fatalf("after the answer: %+v", rec)
	}
	if e.c.Totals(e.State).Share.Cmp(rec.Share) != 0 {
		t.Fatalf("Σshare %s, the recovered worker's share %s", e.c.Totals(e.State).Share, rec.Share)
	}
	// Earning again: its next challenge answered in time pays it.
	e.Advance(time.Hour)
	e.endBlock()
	rec = e.worker(id)
	if rec.Challenged == 0 {
		t.Fatal("no challenge an hour after recovery")
	}
	before := e.bank.Balance(e.State, op.Public().Address())
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	if after := e.bank.Balance(e.State, op.Public().Address()); !before.Lt(after) {
		t.Fatalf("the recovered worker earned nothing: %s → %s", before.PHA(), after.PHA())
	}
}
