package keeper

import (
	"encoding/binary"
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/query"
)

// Module is the keys module as the module manager sees it.
type Module struct {
	*Keeper
	module.Section[keys.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasEndBlock
} = Module{}

func (Module) Name() string { return keys.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, m.Keeper.InitGenesis)
}

// EndBlock forgets the sealing root requests whose time has passed.
func (m Module) EndBlock(ctx *module.Context, _ module.EndBlockInfo) error {
	return m.Keeper.EndBlock(ctx)
}

func (Module) Queries() []module.Query {
	return []module.Query{
		module.FixedQuery(query.KeysStatus, keys.StatusKey()),
		module.SizedQuery(query.Master, 4, "a 4-byte epoch", func(d []byte) []byte { return keys.MasterKey(binary.BigEndian.Uint32(d)) }),
	}
}
