package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
)

// InitGenesis checks the genesis and writes nothing: the module starts
// with no master key.
func (*Keeper) InitGenesis(_ *module.Context, g keys.Genesis) error {
	return g.Validate()
}
