package keeper

import (
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
	return nil
}
