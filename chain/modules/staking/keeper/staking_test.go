package keeper_test

import (
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	stakingkeeper "github.com/phalanx-net/phalanx/chain/modules/staking/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

func env(t *testing.T) (*modtest.Env, *stakingkeeper.Keeper) {
	t.Helper()
	e := modtest.New(t)
	k := stakingkeeper.NewKeeper()
	e.Use(bankkeeper.Module{}, stakingkeeper.Module{Keeper: k})
	gk := modtest.Key("genesis-validator").Public()
	if err := k.InitGenesis(e.Ctx(), staking.DefaultGenesis(), module.ChainGenesis{Validators: []crypto.PublicKey{gk}}); err != nil {
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
