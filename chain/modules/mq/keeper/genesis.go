package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
)

// InitGenesis checks the genesis and writes nothing: the module starts
// with no message.
func (*Keeper) InitGenesis(_ *module.Context, g mq.Genesis) error {
	return g.Validate()
}
