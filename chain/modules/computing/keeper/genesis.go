package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
)

// InitGenesis writes the parameters and starts the budget schedule at
// the genesis time.
func (k *Keeper) InitGenesis(ctx *module.Context, g computing.Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	kv := ctx.Store()
	kv.Set(computing.ParamsKey(), codec.MustMarshal(g.ParamsOrDefault()))
	k.setTotals(kv, computing.Totals{Start: ctx.Block.Time.UnixNano(), LastBlock: ctx.Block.Time.UnixNano()})
	return nil
}
