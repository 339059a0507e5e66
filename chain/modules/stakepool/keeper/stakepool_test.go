package keeper_test

import (
	"errors"
	"math/rand/v2"
	"strings"
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
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	stakepoolkeeper "github.com/phalanx-net/phalanx/chain/modules/stakepool/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
)

func key(name string) crypto.PrivateKey { return modtest.Key(name) }

type env struct {
	*modtest.Env
	c     *computingkeeper.Keeper
	pools *stakepoolkeeper.Keeper
	bank  bankkeeper.Keeper
	w     *enclave.Enclave
}

// newEnv has a scored worker operated by "owner", a funded reward pool,
// and funded owner, alice and bob.
func newEnv(t *testing.T) *env {
	e := &env{Env: modtest.New(t)}
	q := mqkeeper.NewKeeper(registrykeeper.Records{})
	reg := registrykeeper.NewKeeper(q)
	e.c = computingkeeper.NewKeeper(q, registrykeeper.Records{})
	e.pools = stakepoolkeeper.NewKeeper(e.c)
	e.Use(registrykeeper.Module{Keeper: reg}, computingkeeper.Module{Keeper: e.c}, stakepoolkeeper.Module{Keeper: e.pools}, mqkeeper.Module{Keeper: q})
	if err := reg.InitGenesis(e.Ctx(), e.RegistryGenesis(key("council").Public().Address())); err != nil {
		t.Fatal(err)
	}
	if err := e.c.InitGenesis(e.Ctx(), computing.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	e.Fund(crypto.ModuleAddress(bank.RewardPool), pha.Tokens(700_000_000))
	for _, n := range []string{"owner", "alice", "bob"} {
		e.Fund(key(n).Public().Address(), pha.Tokens(10_000))
	}
	e.w = e.NewEnclave()
	e.Advance(time.Second)
	e.Register(e.w, registry.RoleWorker, key("owner"))
	if err := e.post(computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) run(sender string, msg module.Msg) error { return e.Run(key(sender), msg) }

func (e *env) post(topic string, v any) error { return e.Post(key("owner"), e.w, topic, v) }

func (e *env) endBlock() {
	e.T.Helper()
	if err := e.EndBlock([]byte{byte(e.Height)}); err != nil {
		e.T.Fatal(err)
	}
}

func (e *env) balance(name string) pha.Amount {
	return e.bank.Balance(e.State, key(name).Public().Address())
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

func TestPoolDelegationRewardsAndWithdrawalQueue(t *testing.T) {
	e := newEnv(t)
	id := e.w.Identity()
	wantErr(t, "commission above 100 %", e.run("owner", &stakepool.MsgCreate{Commission: fixed.MustParse("1.01")}), stakepool.ErrCommission)
	if err := e.run("owner", &stakepool.MsgCreate{Commission: fixed.MustParse("0.2")}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "a worker someone else operates", e.run("alice", &stakepool.MsgAddWorker{Pool: 0, Worker: id}), stakepool.ErrNotOwner)
	if err := e.run("owner", &stakepool.MsgAddWorker{Pool: 0, Worker: id}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "the same worker twice", e.run("owner", &stakepool.MsgAddWorker{Pool: 0, Worker: id}), stakepool.ErrWorker)
	for _, n := range []string{"alice", "bob"} {
		if err := e.run(n, &stakepool.MsgDelegate{Pool: 0, Amount: pha.Tokens(1000)}); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "more stake than is free", e.run("owner", &stakepool.MsgStartWorker{Pool: 0, Worker: id, Stake: pha.Tokens(2001)}), stakepool.ErrFreeStake)
	wantErr(t, "too little stake", e.run("owner", &stakepool.MsgStartWorker{Pool: 0, Worker: id, Stake: pha.Tokens(1000)}), computing.ErrStakeTooLow)
	if err := e.run("owner", &stakepool.MsgStartWorker{Pool: 0, Worker: id, Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}

	// A heartbeat pays the pool: 20 % commission, the rest half each.
	e.Advance(time.Hour)
	e.endBlock()
	w, _ := e.c.Worker(e.State, id)
	e.Advance(time.Minute)
	if err := e.post(computing.TopicHeartbeat, computing.Heartbeat{Height: w.ChallengeHeight, Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	p, _ := e.pools.Pool(e.State, 0)
	if p.Rewarded.IsZero() {
		t.Fatal("the pool was not rewarded")
	}
	commission, _ := fixed.FromPHA(p.Rewarded).Mul(fixed.MustParse("0.2"))
	if p.OwnerRewards.Cmp(commission.PHA()) != 0 {
		t.Fatalf("commission %s of %s", p.OwnerRewards.PHA(), p.Rewarded.PHA())
	}
	before := e.balance("alice")
	if err := e.run("alice", &stakepool.MsgClaim{Pool: 0}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.balance("alice").Sub(before)
	rest, _ := p.Rewarded.Sub(p.OwnerRewards)
	half, _ := rest.MulDiv(pha.Units(1), pha.Units(2))
	if d, _ := half.Sub(got); got.Cmp(half) > 0 || d.Cmp(pha.Units(1_000_000)) > 0 {
		t.Fatalf("alice claimed %s, half of the delegators' %s is %s", got.PHA(), rest.PHA(), half.PHA())
	}
	wantErr(t, "a second claim at once", e.run("alice", &stakepool.MsgClaim{Pool: 0}), stakepool.ErrNothing)
	if err := e.run("owner", &stakepool.MsgClaim{Pool: 0}); err != nil {
		t.Fatal(err)
	}

	// Withdrawals: more than the share is refused; with no free stake the
	// rest waits in the queue.
	wantErr(t, "more than bob's stake", e.run("bob", &stakepool.MsgWithdraw{Pool: 0, Amount: pha.Tokens(1001)}), stakepool.ErrShares)
	if err := e.run("alice", &stakepool.MsgWithdraw{Pool: 0, Amount: pha.Tokens(500)}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "queued twice over", e.run("alice", &stakepool.MsgWithdraw{Pool: 0, Amount: pha.Tokens(501)}), stakepool.ErrShares)
	if p, _ := e.pools.Pool(e.State, 0); len(p.Queue) != 1 {
		t.Fatalf("queue %+v", p.Queue)
	}
	// Unmet for 7 days: the pool's worker is stopped; 7 days of cooldown
	// later its stake comes back and pays the queue.
	e.Advance(7*24*time.Hour + time.Second)
	e.endBlock()
	if w, _ := e.c.Worker(e.State, id); w.State != computing.CoolingDown {
		t.Fatalf("worker %s after a week of unmet withdrawal", w.State)
	}
	before = e.balance("alice")
	e.Advance(7*24*time.Hour + time.Second)
	e.endBlock()
	if got, _ := e.balance("alice").Sub(before); got.Cmp(pha.Tokens(500)) != 0 {
		t.Fatalf("alice got %s back", got.PHA())
	}
	p, _ = e.pools.Pool(e.State, 0)
	if len(p.Queue) != 0 || p.Free.Cmp(pha.Tokens(1500)) != 0 || p.Stake.Cmp(pha.Tokens(1500)) != 0 {
		t.Fatalf("pool after the queue: %+v", p)
	}
	if err := e.bank.CheckSupply(e.State); err != nil {
		t.Fatal(err)
	}
}

// TestRandomOperationsKeepTheBooks runs random delegations, withdrawals,
// claims, heartbeats, stops and block ends, and checks after each that
// the supply is unchanged, the pool account covers what the pools owe,
// and the reward pool never pays more than it held.
func TestRandomOperationsKeepTheBooks(t *testing.T) {
	e := newEnv(t)
	id := e.w.Identity()
	if err := e.run("owner", &stakepool.MsgCreate{Commission: fixed.MustParse("0.15")}); err != nil {
		t.Fatal(err)
	}
	if err := e.run("owner", &stakepool.MsgAddWorker{Pool: 0, Worker: id}); err != nil {
		t.Fatal(err)
	}
	supply := e.bank.Supply(e.State)
	rng := rand.New(rand.NewPCG(7, 7))
	people := []string{"alice", "bob", "owner"}
	for step := range 400 {
		who := people[rng.IntN(len(people))]
		amt := pha.Tokens(uint64(rng.IntN(1500) + 1))
		switch rng.IntN(8) {
		case 0, 1:
			e.run(who, &stakepool.MsgDelegate{Pool: 0, Amount: amt})
		case 2:
			e.run(who, &stakepool.MsgWithdraw{Pool: 0, Amount: amt})
		case 3:
			e.run(who, &stakepool.MsgClaim{Pool: 0})
		case 4:
			e.run("owner", &stakepool.MsgStartWorker{Pool: 0, Worker: id, Stake: pha.Tokens(2000)})
		case 5:
			if rng.IntN(4) == 0 {
				e.run("owner", &stakepool.MsgStopWorker{Pool: 0, Worker: id})
			} else {
				e.run("owner", &stakepool.MsgReclaimWorker{Pool: 0, Worker: id})
			}
		default:
			e.Advance(time.Duration(rng.IntN(48)) * time.Hour)
			e.endBlock()
			if w, _ := e.c.Worker(e.State, id); w.Challenged != 0 && rng.IntN(3) > 0 {
				e.Advance(time.Minute)
				e.post(computing.TopicHeartbeat, computing.Heartbeat{Height: w.ChallengeHeight, Iterations: 1000, SpanMillis: 6000})
			}
		}
		if err := e.bank.CheckSupply(e.State); err != nil || e.bank.Supply(e.State).Cmp(supply) != 0 {
			t.Fatalf("step %d: supply %s, was %s: %v", step, e.bank.Supply(e.State), supply, err)
		}
		p, _ := e.pools.Pool(e.State, 0)
		// The pool account holds the free stake, the unclaimed
		// commission and the delegators' unclaimed rewards.
		owed, _ := p.Free.Add(p.OwnerRewards)
		held := e.bank.Balance(e.State, e.pools.Account())
		if held.Lt(owed) {
			t.Fatalf("step %d: the pool account holds %s, owes at least %s", step, held.PHA(), owed.PHA())
		}
		if paid := e.c.Totals(e.State).Paid; pha.Tokens(700_000_000).Lt(paid) {
			t.Fatalf("step %d: paid %s from the reward pool", step, paid.PHA())
		}
		w, _ := e.c.Worker(e.State, id)
		staked := e.bank.Balance(e.State, computing.Account())
		if staked.Cmp(w.Stake) != 0 {
			t.Fatalf("step %d: the computing account holds %s, the worker's stake is %s", step, staked.PHA(), w.Stake.PHA())
		}
	}
	// The sequence did what it is for: rewards reached the pool.
	if p, _ := e.pools.Pool(e.State, 0); p.Rewarded.IsZero() {
		t.Fatal("no reward in 400 random steps")
	}
}

// A slash of a pool's worker lowers the value of every share alike:
// delegators withdraw what their shares are worth, to the unit, and a
// later delegation buys shares at the lowered price.
func TestSlashLowersEveryShareAlike(t *testing.T) {
	e := newEnv(t)
	id := e.w.Identity()
	if err := e.run("owner", &stakepool.MsgCreate{}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		who string
		msg module.Msg
	}{
		{"owner", &stakepool.MsgAddWorker{Pool: 0, Worker: id}},
		{"alice", &stakepool.MsgDelegate{Pool: 0, Amount: pha.Tokens(3000)}},
		{"bob", &stakepool.MsgDelegate{Pool: 0, Amount: pha.Tokens(1000)}},
		{"owner", &stakepool.MsgStartWorker{Pool: 0, Worker: id, Stake: pha.Tokens(4000)}},
	} {
		if err := e.run(m.who, m.msg); err != nil {
			t.Fatalf("%s: %v", m.msg.Type(), err)
		}
	}
	treasury := crypto.ModuleAddress(computing.Treasury)
	ctx := e.Ctx()
	slashed, err := e.c.Penalize(ctx, id) // 5 % of 4,000 PHA
	if err != nil || slashed.Cmp(pha.Tokens(200)) != 0 {
		t.Fatalf("slashed %s, %v", slashed.PHA(), err)
	}
	if got := e.bank.Balance(e.State, treasury); got.Cmp(pha.Tokens(200)) != 0 {
		t.Fatalf("the treasury holds %s", got.PHA())
	}
	p, _ := e.pools.Pool(e.State, 0)
	if p.Stake.Cmp(pha.Tokens(3800)) != 0 || p.Slashed.Cmp(pha.Tokens(200)) != 0 || p.Shares.Cmp(fixed.Int(4000)) != 0 {
		t.Fatalf("pool after the slash: stake %s, slashed %s, shares %s", p.Stake.PHA(), p.Slashed.PHA(), p.Shares)
	}
	var types []string
	for _, ev := range ctx.Events() {
		types = append(types, ev.Type)
	}
	if len(types) < 2 || types[0] != stakepool.EventSlashed || types[1] != computing.EventSlashed {
		t.Fatalf("events %v", types)
	}

	// The worker's stake, less the slash, comes back after the cooldown.
	if err := e.run("owner", &stakepool.MsgStopWorker{Pool: 0, Worker: id}); err != nil {
		t.Fatal(err)
	}
	e.Advance(7 * 24 * time.Hour)
	if err := e.run("owner", &stakepool.MsgReclaimWorker{Pool: 0, Worker: id}); err != nil {
		t.Fatal(err)
	}
	if p, _ = e.pools.Pool(e.State, 0); p.Free.Cmp(pha.Tokens(3800)) != 0 {
		t.Fatalf("free after reclaim: %s", p.Free.PHA())
	}
	// Alice's 3,000 shares are worth 3,000 × 3,800 / 4,000 = 2,850 PHA.
	wantErr(t, "more than her shares are worth", e.run("alice", &stakepool.MsgWithdraw{Pool: 0, Amount: pha.Tokens(2851)}), stakepool.ErrShares)
	before := e.balance("alice")
	if err := e.run("alice", &stakepool.MsgWithdraw{Pool: 0, Amount: pha.Tokens(2850)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.balance("alice").Sub(before); got.Cmp(pha.Tokens(2850)) != 0 {
		t.Fatalf("alice got %s", got.PHA())
	}
	if d := e.pools.Delegation(e.State, 0, key("alice").Public().Address()); !d.Shares.IsZero() {
		t.Fatalf("alice keeps %s shares", d.Shares)
	}
	// Bob's 1,000 shares back 950 PHA: 95 PHA more buys 100 shares.
	if err := e.run("bob", &stakepool.MsgDelegate{Pool: 0, Amount: pha.Tokens(95)}); err != nil {
		t.Fatal(err)
	}
	if d := e.pools.Delegation(e.State, 0, key("bob").Public().Address()); d.Shares.Cmp(fixed.Int(1100)) != 0 {
		t.Fatalf("bob has %s shares", d.Shares)
	}
	before = e.balance("bob")
	if err := e.run("bob", &stakepool.MsgWithdraw{Pool: 0, Amount: pha.Tokens(1045)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.balance("bob").Sub(before); got.Cmp(pha.Tokens(1045)) != 0 {
		t.Fatalf("bob got %s", got.PHA())
	}
	if p, _ = e.pools.Pool(e.State, 0); !p.Stake.IsZero() || !p.Shares.IsZero() || !p.Free.IsZero() {
		t.Fatalf("the emptied pool: stake %s, shares %s, free %s", p.Stake.PHA(), p.Shares, p.Free.PHA())
	}
	if err := e.bank.CheckSupply(e.State); err != nil {
		t.Fatal(err)
	}
}

// A pool's worker computes with the pool's stake only, so that a slash of
// its stake is the pool's loss: its operator may not start it with stake
// of its own.
func TestPoolWorkerStartsOnlyThroughItsPool(t *testing.T) {
	e := newEnv(t)
	id := e.w.Identity()
	if err := e.run("owner", &stakepool.MsgCreate{}); err != nil {
		t.Fatal(err)
	}
	if err := e.run("owner", &stakepool.MsgAddWorker{Pool: 0, Worker: id}); err != nil {
		t.Fatal(err)
	}
	err := e.run("owner", &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)})
	wantErr(t, "starting a pool's worker outside its pool", err, computing.ErrState)
	if !strings.Contains(err.Error(), "is in stake pool 0: start it through its pool") {
		t.Fatalf("the refusal does not say why: %v", err)
	}
	if rec, _ := e.c.Worker(e.State, id); rec.State != computing.Ready {
		t.Fatalf("the worker is %s", rec.State)
	}
}
