package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

// InitGenesis writes the parameters and records the validator accounts.
func (k Keeper) InitGenesis(ctx *module.Context, g registry.Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	kv := ctx.Store()
	k.SetParams(kv, g.Params)
	for _, v := range g.Validators {
		k.SetValidator(kv, v.Address())
	}
	return nil
}
