package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
)

// InitGenesis writes the parameters and records the genesis validators as
// appointed candidates, with no bond: the validator set stays the
// genesis one until elections take effect.
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
	for _, v := range chain.Validators {
		op := v.Address()
		c := staking.Candidate{Operator: op, ConsensusKey: v[:], Appointed: true, Since: ctx.Block.Height}
		set(kv, staking.CandidateKey(op), c)
		kv.Set(staking.ConsensusKeyIndex(v[:]), op[:])
	}
	return nil
}
