package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
)

// InitGenesis writes the parameters.
func (k *Keeper) InitGenesis(ctx *module.Context, g gov.Genesis) error {
	set(ctx.Store(), gov.ParamsKey(), g.ParamsOrDefault())
	return nil
}
