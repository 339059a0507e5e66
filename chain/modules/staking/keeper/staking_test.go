package keeper_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	stakingkeeper "github.com/phalanx-net/phalanx/chain/modules/staking/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// fakeGatekeepers stands for the registry's gatekeeper enclaves and the
// keys module's holders of the current master key.
type fakeGatekeepers struct {
	enclaves   []registry.Enclave
	holders    map[crypto.PublicKey]bool
	validators map[crypto.Address]bool
	retired    []crypto.Address
}

func (f *fakeGatekeepers) Gatekeepers(_ store.Reader, fn func(registry.Enclave) bool) {
	for _, e := range f.enclaves {
		if !fn(e) {
			return
		}
	}
}
func (f *fakeGatekeepers) SetValidator(_ store.KV, a crypto.Address) { f.validators[a] = true }
func (f *fakeGatekeepers) Retire(_ store.KV, a crypto.Address) {
	delete(f.validators, a)
	f.retired = append(f.retired, a)
}
func (f *fakeGatekeepers) HoldsCurrentMaster(_ store.Reader, id crypto.PublicKey) bool {
	return f.holders[id]
}

// ready gives the candidate whose consensus key is key a gatekeeper
// enclave in standing that holds the master key.
func (f *fakeGatekeepers) ready(name string, key []byte) {
	id := modtest.Key("enclave " + name).Public()
	f.enclaves = append(f.enclaves, registry.Enclave{Identity: id, Validator: crypto.PublicKey(key).Address()})
	f.holders[id] = true
}

var gatekeepers *fakeGatekeepers

func env(t *testing.T) (*modtest.Env, *stakingkeeper.Keeper) {
	t.Helper()
	e := modtest.New(t)
	gatekeepers = &fakeGatekeepers{holders: map[crypto.PublicKey]bool{}, validators: map[crypto.Address]bool{}}
	k := stakingkeeper.NewKeeper(gatekeepers, gatekeepers)
	e.Use(bankkeeper.Module{}, stakingkeeper.Module{Keeper: k})
	gk := modtest.Key("genesis-validator").Public()
	if err := k.InitGenesis(e.Ctx(), staking.DefaultGenesis(), module.ChainGenesis{Validators: []crypto.PublicKey{gk}, Powers: []int64{10}}); err != nil {
		t.Fatal(err)
	}
	return e, k
}

func consKey(name string) []byte {
	pk := modtest.Key("consensus " + name).Public()
	return pk[:]
}

// The module account holds exactly what the ledger says is bonded or on
// its way back, and the supply is unchanged.
func checkLedger(t *testing.T, e *modtest.Env, k *stakingkeeper.Keeper) {
	t.Helper()
	if held, bal := k.Held(e.State), e.Balance(staking.Account()); held.Cmp(bal) != 0 {
		t.Fatalf("the ledger holds %s, the module account %s", held, bal)
	}
	if err := (bankkeeper.Keeper{}).CheckSupply(e.State); err != nil {
		t.Fatal(err)
	}
}

// A candidate bonds under a consensus key of its own, a holder nominates
// it, both unbond: the stake waits UnbondingTime and comes back.
func TestBondNominateUnbond(t *testing.T) {
	e, k := env(t)
	cand, holder := modtest.Key("candidate"), modtest.Key("holder")
	e.Fund(cand.Public().Address(), pha.Tokens(50_000))
	e.Fund(holder.Public().Address(), pha.Tokens(8_000))
	p := k.Params(e.State)

	if err := e.Run(cand, &staking.MsgBond{Amount: p.MinSelfBond}); !errors.Is(err, staking.ErrBadMsg) {
		t.Fatalf("a first bond without a consensus key: %v", err)
	}
	if err := e.Run(cand, &staking.MsgBond{ConsensusKey: consKey("c"), Amount: pha.Tokens(9_999)}); !errors.Is(err, staking.ErrSelfBond) {
		t.Fatalf("below the minimum: %v", err)
	}
	if err := e.Run(holder, &staking.MsgNominate{Candidate: cand.Public().Address(), Amount: pha.Tokens(1)}); !errors.Is(err, staking.ErrNoCandidate) {
		t.Fatalf("nominating a non-candidate: %v", err)
	}
	if err := e.Run(cand, &staking.MsgBond{ConsensusKey: consKey("c"), Amount: pha.Tokens(20_000)}); err != nil {
		t.Fatal(err)
	}
	gk := modtest.Key("genesis-validator").Public()
	if err := e.Run(holder, &staking.MsgBond{ConsensusKey: gk[:], Amount: pha.Tokens(1)}); !errors.Is(err, staking.ErrKeyTaken) {
		t.Fatalf("the genesis validator's key: %v", err)
	}
	if err := e.Run(cand, &staking.MsgBond{ConsensusKey: consKey("other"), Amount: pha.Tokens(1)}); !errors.Is(err, staking.ErrKeyChange) {
		t.Fatalf("another consensus key: %v", err)
	}
	if err := e.Run(holder, &staking.MsgNominate{Candidate: cand.Public().Address(), Amount: pha.Tokens(9_000)}); !errors.Is(err, bank.ErrInsufficientFunds) {
		t.Fatalf("nominating more than the balance: %v", err)
	}
	if err := e.Run(holder, &staking.MsgNominate{Candidate: cand.Public().Address(), Amount: pha.Tokens(8_000)}); err != nil {
		t.Fatal(err)
	}
	c, _ := k.Candidate(e.State, cand.Public().Address())
	if c.SelfBond.Cmp(pha.Tokens(20_000)) != 0 || c.Nominated.Cmp(pha.Tokens(8_000)) != 0 {
		t.Fatalf("candidate %+v", c)
	}
	if el := k.Elect(e.State); len(el) != 0 {
		t.Fatalf("elected %+v: no candidate has an enclave holding the master key", el)
	}
	if !gatekeepers.validators[crypto.PublicKey(consKey("c")).Address()] {
		t.Fatal("the candidate's consensus-key account may not register its enclave")
	}
	gatekeepers.ready("c", consKey("c"))
	if el := k.Elect(e.State); len(el) != 1 || el[0].Candidate.Operator != cand.Public().Address() || el[0].Power != 28_000 {
		t.Fatalf("elected %+v (the genesis validator has bonded nothing)", el)
	}
	checkLedger(t, e, k)

	if err := e.Run(cand, &staking.MsgUnbond{Candidate: cand.Public().Address(), Amount: pha.Tokens(15_000)}); !errors.Is(err, staking.ErrSelfBond) {
		t.Fatalf("leaving a self-bond below the minimum: %v", err)
	}
	if err := e.Run(holder, &staking.MsgUnbond{Candidate: cand.Public().Address(), Amount: pha.Tokens(8_001)}); !errors.Is(err, staking.ErrNotBonded) {
		t.Fatalf("unbonding more than nominated: %v", err)
	}
	if err := e.Run(holder, &staking.MsgUnbond{Candidate: cand.Public().Address(), Amount: pha.Tokens(8_000)}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(cand, &staking.MsgUnbond{Candidate: cand.Public().Address(), Amount: pha.Tokens(20_000)}); err != nil {
		t.Fatal(err)
	}
	// Its whole self-bond gone, it leaves the gatekeeper set: its
	// enclave is retired.
	if a := crypto.PublicKey(consKey("c")).Address(); len(gatekeepers.retired) != 1 || gatekeepers.retired[0] != a || gatekeepers.validators[a] {
		t.Fatalf("retired %v, validators %v", gatekeepers.retired, gatekeepers.validators)
	}
	if _, ok := k.Candidate(e.State, cand.Public().Address()); ok {
		t.Fatal("a candidate with nothing bonded is still one")
	}
	checkLedger(t, e, k)
	// Nothing comes back before the unbonding time.
	e.Advance(time.Duration(p.UnbondingTime-1) * time.Second)
	if err := e.EndBlock(nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Balance(holder.Public().Address()); !got.IsZero() {
		t.Fatalf("paid back early: %s", got)
	}
	e.Advance(time.Second)
	if err := e.EndBlock(nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Balance(holder.Public().Address()); got.Cmp(pha.Tokens(8_000)) != 0 {
		t.Fatalf("the holder got back %s", got)
	}
	if got := e.Balance(cand.Public().Address()); got.Cmp(pha.Tokens(50_000)) != 0 {
		t.Fatalf("the candidate got back to %s", got)
	}
	checkLedger(t, e, k)
	// The key is free again once its candidate left.
	if err := e.Run(holder, &staking.MsgBond{ConsensusKey: consKey("c"), Amount: pha.Tokens(8_000)}); !errors.Is(err, staking.ErrSelfBond) {
		t.Fatalf("bonding a freed key below the minimum: %v", err)
	}
}

// One account has at most MaxUnbondings waiting.
func TestUnbondingQueueBound(t *testing.T) {
	e, k := env(t)
	cand := modtest.Key("candidate")
	e.Fund(cand.Public().Address(), pha.Tokens(100_000))
	if err := e.Run(cand, &staking.MsgBond{ConsensusKey: consKey("c"), Amount: pha.Tokens(100_000)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < staking.MaxUnbondings; i++ {
		if err := e.Run(cand, &staking.MsgUnbond{Candidate: cand.Public().Address(), Amount: pha.Tokens(1)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Run(cand, &staking.MsgUnbond{Candidate: cand.Public().Address(), Amount: pha.Tokens(1)}); !errors.Is(err, staking.ErrTooManyQueue) {
		t.Fatalf("one unbonding too many: %v", err)
	}
	checkLedger(t, e, k)
}

// At the end of an epoch the eligible candidates replace the active set,
// if they are at least min_validators: CometBFT is told the new
// validators with their power and the leaving ones at zero, in key order;
// an epoch with no change tells it nothing, and one with too few eligible
// candidates keeps the set.
func TestEpochElection(t *testing.T) {
	e, k := env(t)
	p := k.Params(e.State)
	p.EpochBlocks, p.MinValidators = 10, 2
	e.State.Set(staking.ParamsKey(), codec.MustMarshal(p))
	endEpoch := func() []module.ValidatorUpdate {
		t.Helper()
		for e.Height%10 != 0 {
			e.Advance(time.Second)
		}
		ctx := e.Ctx()
		if err := k.EndBlock(ctx, module.EndBlockInfo{}); err != nil {
			t.Fatal(err)
		}
		e.Advance(time.Second)
		return ctx.ValidatorUpdates()
	}
	names := []string{"a", "b", "c"}
	for i, n := range names {
		key := modtest.Key(n)
		e.Fund(key.Public().Address(), pha.Tokens(100_000))
		if err := e.Run(key, &staking.MsgBond{ConsensusKey: consKey(n), Amount: pha.Tokens(uint64(20_000 + 10_000*i))}); err != nil {
			t.Fatal(err)
		}
	}
	// One eligible candidate: too few, the genesis validator stays.
	gatekeepers.ready("a", consKey("a"))
	if u := endEpoch(); len(u) != 0 {
		t.Fatalf("an election with one eligible candidate: %+v", u)
	}
	gatekeepers.ready("b", consKey("b"))
	u := endEpoch()
	gk := modtest.Key("genesis-validator").Public()
	want := map[crypto.PublicKey]int64{gk: 0, crypto.PublicKey(consKey("a")): 20_000, crypto.PublicKey(consKey("b")): 30_000}
	if len(u) != len(want) {
		t.Fatalf("updates %+v", u)
	}
	for i, up := range u {
		if w, ok := want[up.Key]; !ok || w != up.Power {
			t.Fatalf("update %+v, want %v", up, want)
		}
		if i > 0 && bytes.Compare(u[i-1].Key[:], up.Key[:]) >= 0 {
			t.Fatal("updates not in key order")
		}
	}
	var active int
	k.Active(e.State, func(crypto.PublicKey, int64) bool { active++; return true })
	if active != 2 {
		t.Fatalf("%d active", active)
	}
	if u := endEpoch(); len(u) != 0 {
		t.Fatalf("an epoch without change: %+v", u)
	}
	// c becomes eligible; a holder nominates a: both powers change.
	gatekeepers.ready("c", consKey("c"))
	holder := modtest.Key("holder")
	e.Fund(holder.Public().Address(), pha.Tokens(1_000))
	if err := e.Run(holder, &staking.MsgNominate{Candidate: modtest.Key("a").Public().Address(), Amount: pha.Tokens(1_000)}); err != nil {
		t.Fatal(err)
	}
	u = endEpoch()
	if len(u) != 2 {
		t.Fatalf("updates %+v", u)
	}
	for _, up := range u {
		if up.Key == crypto.PublicKey(consKey("a")) && up.Power != 21_000 || up.Key == crypto.PublicKey(consKey("c")) && up.Power != 40_000 {
			t.Fatalf("update %+v", up)
		}
	}
	// Rewards for a's blocks go to a's operator.
	if got := stakingkeeper.RewardAccount(e.State, crypto.PublicKey(consKey("a")).Address()); got != modtest.Key("a").Public().Address() {
		t.Fatalf("reward account %s", got)
	}
	if got := stakingkeeper.RewardAccount(e.State, gk.Address()); got != gk.Address() {
		t.Fatalf("the genesis validator's reward account %s", got)
	}
	checkLedger(t, e, k)
}

// Genesis bonds and nominations come out of genesis balances into the
// ledger; one that names no genesis validator, or more than the balance,
// is refused.
func TestGenesisBonds(t *testing.T) {
	gk := modtest.Key("genesis-validator").Public()
	holder := modtest.Key("holder").Public().Address()
	chain := module.ChainGenesis{Validators: []crypto.PublicKey{gk}, Powers: []int64{10}}
	start := func(g staking.Genesis) (*modtest.Env, *stakingkeeper.Keeper, error) {
		e := modtest.New(t)
		gatekeepers = &fakeGatekeepers{holders: map[crypto.PublicKey]bool{}, validators: map[crypto.Address]bool{}}
		k := stakingkeeper.NewKeeper(gatekeepers, gatekeepers)
		e.Use(bankkeeper.Module{}, stakingkeeper.Module{Keeper: k})
		e.Fund(gk.Address(), pha.Tokens(12_000))
		e.Fund(holder, pha.Tokens(5_000))
		return e, k, k.InitGenesis(e.Ctx(), g, chain)
	}
	g := staking.DefaultGenesis()
	g.Bonds = []staking.GenesisBond{{Operator: gk.Address(), Amount: pha.Tokens(10_000)}}
	g.Nominations = []staking.Nomination{{Nominator: holder, Candidate: gk.Address(), Amount: pha.Tokens(4_000)}}
	e, k, err := start(g)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := k.Candidate(e.State, gk.Address())
	if c.SelfBond.Cmp(pha.Tokens(10_000)) != 0 || c.Nominated.Cmp(pha.Tokens(4_000)) != 0 || !c.Appointed {
		t.Fatalf("candidate %+v", c)
	}
	checkLedger(t, e, k)

	// A named operator, not the consensus key's account, operates it.
	op := modtest.Key("operator").Public().Address()
	named := staking.DefaultGenesis()
	named.Operators = []staking.GenesisOperator{{ConsensusKey: gk[:], Operator: op}}
	if e, k, err = start(named); err != nil {
		t.Fatal(err)
	}
	if c, ok := k.Candidate(e.State, op); !ok || !c.Appointed || stakingkeeper.RewardAccount(e.State, gk.Address()) != op {
		t.Fatalf("operated by %s: %+v %v", op, c, ok)
	}
	if _, ok := k.Candidate(e.State, gk.Address()); ok {
		t.Fatal("the consensus key's account is a candidate too")
	}
	other := modtest.Key("other").Public()
	named.Operators = append(named.Operators, staking.GenesisOperator{ConsensusKey: other[:], Operator: holder})
	if _, _, err := start(named); !errors.Is(err, staking.ErrNoCandidate) {
		t.Fatalf("an operator of no genesis validator: %v", err)
	}

	for name, change := range map[string]func(*staking.Genesis){
		"a bond of no validator":      func(g *staking.Genesis) { g.Bonds[0].Operator = holder },
		"a bond beyond the balance":   func(g *staking.Genesis) { g.Bonds[0].Amount = pha.Tokens(13_000) },
		"a bond below the minimum":    func(g *staking.Genesis) { g.Bonds[0].Amount = pha.Tokens(9_000) },
		"a nomination of no bond":     func(g *staking.Genesis) { g.Bonds = nil },
		"a nomination beyond balance": func(g *staking.Genesis) { g.Nominations[0].Amount = pha.Tokens(6_000) },
	} {
		bad := staking.DefaultGenesis()
		bad.Bonds = append([]staking.GenesisBond(nil), g.Bonds...)
		bad.Nominations = append([]staking.Nomination(nil), g.Nominations...)
		change(&bad)
		if _, _, err := start(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A validator's reward is shared by stake between its operator, paid at
// once, and its nominators, each paid what it is owed when its
// nomination changes or it claims; nothing is created or lost.
func TestRewardsShared(t *testing.T) {
	e, k := env(t)
	cand, a, b := modtest.Key("candidate"), modtest.Key("nominator a"), modtest.Key("nominator b")
	op := cand.Public().Address()
	e.Fund(op, pha.Tokens(20_000))
	e.Fund(a.Public().Address(), pha.Tokens(20_000))
	e.Fund(b.Public().Address(), pha.Tokens(10_000))
	if err := e.Run(cand, &staking.MsgBond{ConsensusKey: consKey("c"), Amount: pha.Tokens(20_000)}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []crypto.PrivateKey{a, b} {
		if err := e.Run(n, &staking.MsgNominate{Candidate: op, Amount: pha.Tokens(10_000)}); err != nil {
			t.Fatal(err)
		}
	}
	source := modtest.Key("source").Public().Address()
	pay := func(amount pha.Amount) {
		t.Helper()
		e.Fund(source, amount)
		if err := k.PayValidator(e.State, source, crypto.PublicKey(consKey("c")).Address(), amount); err != nil {
			t.Fatal(err)
		}
		if pool, owed := e.Balance(stakingkeeper.RewardsPool()), k.Owed(e.State); pool.Lt(owed) {
			t.Fatalf("the pool holds %s, the nominators are owed %s", pool, owed)
		}
	}
	balance := func(k crypto.PrivateKey) pha.Amount { return e.Balance(k.Public().Address()) }
	pay(pha.Tokens(4_000))
	if got := balance(cand); got.Cmp(pha.Tokens(2_000)) != 0 {
		t.Fatalf("the operator (half the stake) got %s of 4,000 PHA", got.PHA())
	}
	// a adds stake: it is paid its 1,000 first, and earns on 20,000 from
	// now; b claims its 1,000.
	if err := e.Run(a, &staking.MsgNominate{Candidate: op, Amount: pha.Tokens(10_000)}); err != nil {
		t.Fatal(err)
	}
	if got := balance(a); got.Cmp(pha.Tokens(1_000)) != 0 {
		t.Fatalf("a was paid %s on nominating again", got.PHA())
	}
	if err := e.Run(b, &staking.MsgClaim{Candidate: op}); err != nil {
		t.Fatal(err)
	}
	if got := balance(b); got.Cmp(pha.Tokens(1_000)) != 0 {
		t.Fatalf("b claimed %s", got.PHA())
	}
	if err := e.Run(b, &staking.MsgClaim{Candidate: op}); err != nil || balance(b).Cmp(pha.Tokens(1_000)) != 0 {
		t.Fatalf("a second claim: %v, %s", err, balance(b).PHA())
	}
	// 50,000 staked: 5,000 PHA pays the operator 2,000, a 2,000, b 1,000.
	pay(pha.Tokens(5_000))
	if err := e.Run(a, &staking.MsgUnbond{Candidate: op, Amount: pha.Tokens(20_000)}); err != nil {
		t.Fatal(err)
	}
	if got := balance(a); got.Cmp(pha.Tokens(3_000)) != 0 {
		t.Fatalf("a, unbonding, holds %s", got.PHA())
	}
	if err := e.Run(b, &staking.MsgClaim{Candidate: op}); err != nil || balance(b).Cmp(pha.Tokens(2_000)) != 0 {
		t.Fatalf("b's second share: %v, %s", err, balance(b).PHA())
	}
	if got := balance(cand); got.Cmp(pha.Tokens(4_000)) != 0 {
		t.Fatalf("the operator holds %s", got.PHA())
	}
	// A payment that does not divide leaves nothing in the pool that no
	// one is owed.
	pay(pha.Units(7))
	if pool, owed := e.Balance(stakingkeeper.RewardsPool()), k.Owed(e.State); pool.Cmp(owed) != 0 {
		t.Fatalf("the pool holds %s, owed %s", pool, owed)
	}
	if err := e.Run(b, &staking.MsgClaim{Candidate: modtest.Key("nobody").Public().Address()}); !errors.Is(err, staking.ErrNoCandidate) {
		t.Fatalf("a claim of no candidate: %v", err)
	}
	checkLedger(t, e, k)
}

// Locked (vesting) tokens can be bonded, and so vote, but not spent;
// paid back, they are locked again.
func TestBondLockedTokens(t *testing.T) {
	e, k := env(t)
	cand, holder := modtest.Key("candidate"), modtest.Key("vesting holder")
	e.Fund(cand.Public().Address(), pha.Tokens(20_000))
	if err := e.Run(cand, &staking.MsgBond{ConsensusKey: consKey("c"), Amount: pha.Tokens(20_000)}); err != nil {
		t.Fatal(err)
	}
	h := holder.Public().Address()
	e.Fund(h, pha.Tokens(10_000))
	now := e.Now.Unix()
	e.State.Set(bank.VestingKey(h), codec.MustMarshal(bank.Vesting{Amount: pha.Tokens(9_000), Start: now, Cliff: now + 365*24*3600, End: now + 730*24*3600}))
	spend := func(amount pha.Amount) error {
		return e.Run(holder, &bank.MsgSend{To: cand.Public().Address(), Amount: amount})
	}
	// 9,500 bonded: all 9,000 locked and 500 free; 500 PHA stays free.
	if err := e.Run(holder, &staking.MsgNominate{Candidate: cand.Public().Address(), Amount: pha.Tokens(9_500)}); err != nil {
		t.Fatalf("nominating with locked tokens: %v", err)
	}
	v, _ := bankkeeper.Keeper{}.Vesting(e.State, h)
	if v.DelegatedVesting.Cmp(pha.Tokens(9_000)) != 0 || v.DelegatedFree.Cmp(pha.Tokens(500)) != 0 {
		t.Fatalf("vesting after the bond: %+v", v)
	}
	if err := spend(pha.Tokens(500)); err != nil {
		t.Fatalf("spending the free rest: %v", err)
	}
	if err := e.Run(holder, &staking.MsgUnbond{Candidate: cand.Public().Address(), Amount: pha.Tokens(9_500)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Duration(k.Params(e.State).UnbondingTime+1) * time.Second)
	if err := e.EndBlock(nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Balance(h); got.Cmp(pha.Tokens(9_500)) != 0 {
		t.Fatalf("paid back %s", got.PHA())
	}
	// 500 free came back first, then the 9,000 locked: 500 can be spent.
	if err := spend(pha.Tokens(501)); !errors.Is(err, bank.ErrLocked) {
		t.Fatalf("spending locked tokens paid back: %v", err)
	}
	if err := spend(pha.Tokens(400)); err != nil {
		t.Fatalf("spending the free tokens paid back: %v", err)
	}
	checkLedger(t, e, k)
}
