package keeper_test

import (
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	stakingkeeper "github.com/phalanx-net/phalanx/chain/modules/staking/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// twoValidators is a chain whose active set is candidates a and b (20,000
// PHA of their own each), a nominated by a holder with 10,000 PHA, of
// which 1,000 are unbonding.
func twoValidators(t *testing.T) (*modtest.Env, *stakingkeeper.Keeper, staking.Params) {
	t.Helper()
	e, k := env(t)
	p := k.Params(e.State)
	p.EpochBlocks, p.MinValidators, p.SignedWindow, p.MaxMissed, p.DowntimeSlashBP, p.JailTime = 1_000, 2, 10, 3, 1_000, 60
	e.State.Set(staking.ParamsKey(), codec.MustMarshal(p))
	for _, n := range []string{"a", "b"} {
		key := modtest.Key(n)
		e.Fund(key.Public().Address(), pha.Tokens(20_000))
		if err := e.Run(key, &staking.MsgBond{ConsensusKey: consKey(n), Amount: pha.Tokens(20_000)}); err != nil {
			t.Fatal(err)
		}
		gatekeepers.ready(n, consKey(n))
	}
	holder := modtest.Key("holder")
	e.Fund(holder.Public().Address(), pha.Tokens(10_000))
	a := modtest.Key("a").Public().Address()
	if err := e.Run(holder, &staking.MsgNominate{Candidate: a, Amount: pha.Tokens(10_000)}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(holder, &staking.MsgUnbond{Candidate: a, Amount: pha.Tokens(1_000)}); err != nil {
		t.Fatal(err)
	}
	for e.Height%1_000 != 0 {
		e.Advance(time.Second)
	}
	if err := k.EndBlock(e.Ctx(), module.EndBlockInfo{}); err != nil {
		t.Fatal(err)
	}
	n := 0
	k.Active(e.State, func(crypto.PublicKey, int64) bool { n++; return true })
	if n != 2 {
		t.Fatalf("%d active", n)
	}
	return e, k, p
}

func vote(name string) module.Vote {
	return module.Vote{Validator: crypto.PublicKey(consKey(name)).Address(), Power: 1}
}

// A validator that misses more than max_missed of its window is jailed:
// 10 % of its self-bond, its nominations and the unbondings from it go to
// the treasury, it leaves the active set at once and cannot be elected;
// its operator unjails it after the jail time.
func TestDowntimeJails(t *testing.T) {
	e, k, p := twoValidators(t)
	a := modtest.Key("a").Public().Address()
	var updates []module.ValidatorUpdate
	for i := 0; i < int(p.MaxMissed)+1; i++ {
		e.Advance(time.Second)
		ctx := e.Ctx()
		if err := k.EndBlock(ctx, module.EndBlockInfo{Signed: true, Votes: []module.Vote{vote("b")}}); err != nil {
			t.Fatal(err)
		}
		updates = append(updates, ctx.ValidatorUpdates()...)
		if c, _ := k.Candidate(e.State, a); c.Jailed != (i == int(p.MaxMissed)) {
			t.Fatalf("after %d missed blocks: jailed %v", i+1, c.Jailed)
		}
	}
	c, _ := k.Candidate(e.State, a)
	if c.SelfBond.Cmp(pha.Tokens(18_000)) != 0 || c.Nominated.Cmp(pha.Tokens(8_100)) != 0 || c.Slashed.Cmp(pha.Tokens(2_000+900+100)) != 0 {
		t.Fatalf("after the slash: %+v", c)
	}
	if got := e.Balance(crypto.ModuleAddress(computing.Treasury)); got.Cmp(pha.Tokens(3_000)) != 0 {
		t.Fatalf("the treasury got %s", got)
	}
	if len(updates) != 1 || updates[0].Key != crypto.PublicKey(consKey("a")) || updates[0].Power != 0 {
		t.Fatalf("updates %+v", updates)
	}
	for _, el := range k.Eligible(e.State) {
		if el.Operator == a {
			t.Fatal("a jailed candidate is eligible")
		}
	}
	checkLedger(t, e, k)
	if err := e.Run(modtest.Key("a"), &staking.MsgUnjail{}); !errors.Is(err, staking.ErrStillJailed) {
		t.Fatalf("unjail before the jail time: %v", err)
	}
	if err := e.Run(modtest.Key("b"), &staking.MsgUnjail{}); !errors.Is(err, staking.ErrNotJailed) {
		t.Fatalf("unjail of a free candidate: %v", err)
	}
	e.Advance(time.Duration(p.JailTime) * time.Second)
	if err := e.Run(modtest.Key("a"), &staking.MsgUnjail{}); err != nil {
		t.Fatal(err)
	}
	if len(k.Eligible(e.State)) != 2 {
		t.Fatal("the unjailed candidate is not eligible")
	}
	// Signing resets nothing but the count goes on in a new window.
	ctx := e.Ctx()
	if err := k.EndBlock(ctx, module.EndBlockInfo{Signed: true, Votes: []module.Vote{vote("b")}}); err != nil {
		t.Fatal(err)
	}
}

// A validator that signs twice at a height is slashed 5 % and jailed for
// good; the first block, with no last commit, counts nobody as absent.
func TestDoubleSignTombstones(t *testing.T) {
	e, k, p := twoValidators(t)
	b := modtest.Key("b").Public().Address()
	e.Advance(time.Second)
	ctx := e.Ctx()
	if err := k.EndBlock(ctx, module.EndBlockInfo{DoubleSigners: []crypto.Address{crypto.PublicKey(consKey("b")).Address()}}); err != nil {
		t.Fatal(err)
	}
	c, _ := k.Candidate(e.State, b)
	wantLeft := pha.Tokens(20_000 - 20_000*uint64(p.DoubleSignSlashBP)/10_000)
	if len(gatekeepers.retired) != 1 {
		t.Fatalf("a double signer's enclave not retired: %v", gatekeepers.retired)
	}
	if !c.Jailed || !c.Tombstoned || c.SelfBond.Cmp(wantLeft) != 0 {
		t.Fatalf("after a double signature: %+v", c)
	}
	if u := ctx.ValidatorUpdates(); len(u) != 1 || u[0].Power != 0 {
		t.Fatalf("updates %+v", u)
	}
	if a, _ := k.Candidate(e.State, modtest.Key("a").Public().Address()); a.Missed != 0 {
		t.Fatalf("a block without a last commit counted a miss: %+v", a)
	}
	e.Advance(time.Duration(p.JailTime) * time.Second)
	if err := e.Run(modtest.Key("b"), &staking.MsgUnjail{}); !errors.Is(err, staking.ErrStillJailed) {
		t.Fatalf("unjail after a double signature: %v", err)
	}
	// The last validator is jailed but stays: the set is never empty.
	ctx = e.Ctx()
	if err := k.EndBlock(ctx, module.EndBlockInfo{DoubleSigners: []crypto.Address{crypto.PublicKey(consKey("a")).Address()}}); err != nil {
		t.Fatal(err)
	}
	if len(ctx.ValidatorUpdates()) != 0 {
		t.Fatalf("the last validator was removed: %+v", ctx.ValidatorUpdates())
	}
	checkLedger(t, e, k)
}
