package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// RewardsPool is the account nominators' rewards wait in.
func RewardsPool() crypto.Address { return crypto.ModuleAddress(staking.RewardsPool) }

// PayValidator pays amount, from the account from, as the reward of the
// validator whose consensus address is consAddr: to its candidate, shared
// by stake between the operator, paid at once, and the nominators, whose
// part waits in RewardsPool and raises the candidate's RewardIndex (each
// nomination is paid what it is owed when it changes or is claimed, so a
// block's payment is one write whatever the number of nominators). A
// validator no candidate names is paid at its consensus key's account.
func (k *Keeper) PayValidator(kv store.KV, from, consAddr crypto.Address, amount pha.Amount) error {
	if amount.IsZero() {
		return nil
	}
	c, ok := k.byConsensusAddress(kv, consAddr)
	if !ok {
		return k.bank.Move(kv, from, consAddr, amount)
	}
	stake := c.Stake()
	if c.Nominated.IsZero() || stake.IsZero() {
		return k.bank.Move(kv, from, c.Operator, amount)
	}
	own, err := amount.MulDiv(c.SelfBond, stake)
	if err != nil {
		return err
	}
	theirs, _ := amount.Sub(own)
	// What the index cannot carry (the remainder of its division) goes to
	// the operator: nothing waits in the pool that no one is owed.
	step, err := theirs.MulDiv(staking.RewardScale, c.Nominated)
	if err != nil {
		return err
	}
	carried, err := step.MulDiv(c.Nominated, staking.RewardScale)
	if err != nil {
		return err
	}
	if rest, _ := theirs.Sub(carried); !rest.IsZero() {
		own, _ = own.Add(rest)
	}
	if err := k.bank.Move(kv, from, c.Operator, own); err != nil {
		return err
	}
	if err := k.bank.Move(kv, from, RewardsPool(), carried); err != nil {
		return err
	}
	if c.RewardIndex, err = c.RewardIndex.Add(step); err != nil {
		return err
	}
	set(kv, staking.CandidateKey(c.Operator), c)
	return nil
}

// settle pays a nomination what it is owed and brings its index up to
// its candidate's. The caller stores n.
func (k *Keeper) settle(ctx *module.Context, c staking.Candidate, n *staking.Nomination) error {
	owed := n.Owed(c)
	n.RewardIndex = c.RewardIndex
	if owed.IsZero() {
		return nil
	}
	if err := k.bank.Move(ctx.Store(), RewardsPool(), n.Nominator, owed); err != nil {
		return err // the pool holds at least what every nomination is owed
	}
	ctx.Emit(staking.EventRewarded, module.Attr{Key: staking.AttrCandidate, Value: n.Candidate, Index: true},
		module.Attr{Key: staking.AttrAccount, Value: n.Nominator, Index: true}, module.Attr{Key: staking.AttrAmount, Value: owed})
	return nil
}

// Owed returns what every nomination is owed, summed: what RewardsPool
// must hold at least (the rest is rounding, each nomination's owed
// amount rounded down).
func (k *Keeper) Owed(r store.Reader) pha.Amount {
	var sum pha.Amount
	k.Candidates(r, func(c staking.Candidate) bool {
		r.Iterate(staking.NominationPrefix(&c.Operator), func(_, v []byte) bool {
			var n staking.Nomination
			store.MustDecode(v, &n)
			sum, _ = sum.Add(n.Owed(c))
			return true
		})
		return true
	})
	return sum
}

func (k *Keeper) handleClaim(ctx *module.Context, m *staking.MsgClaim) error {
	kv := ctx.Store()
	c, ok := k.Candidate(kv, m.Candidate)
	if !ok {
		return staking.ErrNoCandidate.Wrap("%s", m.Candidate)
	}
	n := k.Nomination(kv, m.Candidate, ctx.Sender)
	if n.Amount.IsZero() {
		return staking.ErrNotBonded.Wrap("%s does not nominate %s", ctx.Sender, m.Candidate)
	}
	if err := k.settle(ctx, c, &n); err != nil {
		return err
	}
	set(kv, staking.NominationKey(m.Candidate, ctx.Sender), n)
	return nil
}
