package keeper

import (
	"fmt"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/crypto"
)

// InitGenesis writes the parameters, records the genesis validators as
// candidates appointed by the genesis, operated by the accounts
// g.Operators names (else their consensus keys' accounts), with the
// genesis bonds and nominations, and makes them the active set at their
// genesis power. They keep their seats until an
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
	operators := map[string]crypto.Address{}
	for _, o := range g.Operators {
		operators[string(o.ConsensusKey)] = o.Operator
	}
	for i, v := range chain.Validators {
		op, ok := operators[string(v[:])]
		if !ok {
			op = v.Address()
		}
		delete(operators, string(v[:]))
		if _, taken := k.Candidate(kv, op); taken {
			return staking.ErrKeyTaken.Wrap("%s operates two genesis validators", op)
		}
		c := staking.Candidate{Operator: op, ConsensusKey: v[:], Appointed: true, Since: ctx.Block.Height}
		set(kv, staking.CandidateKey(op), c)
		kv.Set(staking.ConsensusKeyIndex(v[:]), op[:])
		consAddr := v.Address()
		kv.Set(staking.ConsensusAddressKey(consAddr), op[:])
		power := int64(1)
		if i < len(chain.Powers) {
			power = chain.Powers[i]
		}
		setActive(kv, v[:], power)
	}
	for _, o := range g.Operators { // in the file's order: the same error on every node
		if _, left := operators[string(o.ConsensusKey)]; left {
			return staking.ErrNoCandidate.Wrap("genesis operator of %x: not a genesis validator's key", []byte(o.ConsensusKey))
		}
	}
	for _, b := range g.Bonds {
		c, ok := k.Candidate(kv, b.Operator)
		if !ok || !c.Appointed {
			return staking.ErrNoCandidate.Wrap("genesis bond of %s: not a genesis validator's operator", b.Operator)
		}
		if err := k.bank.Delegate(ctx, b.Operator, staking.Account(), b.Amount); err != nil {
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
		if err := k.bank.Delegate(ctx, n.Nominator, staking.Account(), n.Amount); err != nil {
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
