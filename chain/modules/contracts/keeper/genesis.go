package keeper

import "github.com/phalanx-net/phalanx/chain/module"
import "github.com/phalanx-net/phalanx/chain/modules/contracts"

// InitGenesis writes the parameters.
func (Keeper) InitGenesis(ctx *module.Context, g contracts.Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	set(ctx.Store(), contracts.ParamsKey(), g.ParamsOrDefault())
	return nil
}
