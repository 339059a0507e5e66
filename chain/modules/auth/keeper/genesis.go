package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
)

// InitGenesis writes the parameters.
func (k Keeper) InitGenesis(ctx *module.Context, g auth.Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	k.SetParams(ctx.Store(), g.Params)
	return nil
}
