package keeper

import (
	"fmt"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
)

// InitGenesis writes the parameters, records the genesis validators as
// candidates appointed by the genesis, with no bond, and makes them the
// active set at their genesis power. They keep their seats until an
// election with at least MinValidators eligible candidates replaces
// them: to stay, a genesis validator bonds too.
func (k *Keeper) InitGenesis(ctx *module.Context, g staking.Genesis, chain module.ChainGenesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	kv := ctx.Store()
	p := staking.DefaultParams()
	if g.Params != nil {
		p = *g.Params
	}
	set(kv, staking.ParamsKey(), p)
	for i, v := range chain.Validators {
		op := v.Address()
		c := staking.Candidate{Operator: op, ConsensusKey: v[:], Appointed: true, Since: ctx.Block.Height}
		set(kv, staking.CandidateKey(op), c)
		kv.Set(staking.ConsensusKeyIndex(v[:]), op[:])
		kv.Set(staking.ConsensusAddressKey(op), op[:])
		power := int64(1)
		if i < len(chain.Powers) {
			power = chain.Powers[i]
		}
		setActive(kv, v[:], power)
	}
	for _, b := range g.Bonds {
		c, ok := k.Candidate(kv, b.Operator)
		if !ok || !c.Appointed {
			return staking.ErrNoCandidate.Wrap("genesis bond of %s: not a genesis validator's account", b.Operator)
		}
		if err := k.bank.Move(kv, b.Operator, staking.Account(), b.Amount); err != nil {
			return fmt.Errorf("genesis bond of %s: %w", b.Operator, err)
		}
		if c.SelfBond, _ = c.SelfBond.Add(b.Amount); c.SelfBond.Lt(p.MinSelfBond) {
			return staking.ErrSelfBond.Wrap("genesis bond of %s: %s, below min_self_bond %s", b.Operator, c.SelfBond.PHA(), p.MinSelfBond.PHA())
		}
		set(kv, staking.CandidateKey(b.Operator), c)
	}
	for _, n := range g.Nominations {
		c, ok := k.Candidate(kv, n.Candidate)
		if !ok || c.SelfBond.Lt(p.MinSelfBond) {
			return staking.ErrNoCandidate.Wrap("genesis nomination of %s: it has no genesis bond of min_self_bond", n.Candidate)
		}
		if err := k.bank.Move(kv, n.Nominator, staking.Account(), n.Amount); err != nil {
			return fmt.Errorf("genesis nomination by %s: %w", n.Nominator, err)
		}
		got := k.Nomination(kv, n.Candidate, n.Nominator)
		got.Amount, _ = got.Amount.Add(n.Amount)
		c.Nominated, _ = c.Nominated.Add(n.Amount)
		set(kv, staking.NominationKey(n.Candidate, n.Nominator), got)
		set(kv, staking.CandidateKey(n.Candidate), c)
	}
	return nil
}
