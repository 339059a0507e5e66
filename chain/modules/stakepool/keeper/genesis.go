package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
)

// InitGenesis checks the genesis and writes nothing: the module starts
// with no pool.
func (*Keeper) InitGenesis(_ *module.Context, g stakepool.Genesis) error {
	return g.Validate()
}
