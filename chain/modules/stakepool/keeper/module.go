package keeper

import (
	"encoding/binary"
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/crypto"
)

// Module is the stakepool module as the module manager sees it.
type Module struct {
	*Keeper
	module.Section[stakepool.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasEndBlock
} = Module{}

func (Module) Name() string { return stakepool.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, m.Keeper.InitGenesis)
}

func (Module) Queries() []module.Query {
	return []module.Query{
		module.Uint64Query(query.Pool, "pool id", stakepool.PoolKey),
		module.SizedQuery(query.Delegation, 28, "a pool id (8 bytes) and an address (20)", func(d []byte) []byte {
			return stakepool.DelegationKey(binary.BigEndian.Uint64(d), crypto.Address(d[8:]))
		}),
		module.ListQuery(query.Pools, stakepool.PoolPrefix()),
	}
}

// EndBlock stops the workers of pools whose withdrawals waited too long.
func (m Module) EndBlock(ctx *module.Context, _ module.EndBlockInfo) error {
	return m.Keeper.EndBlock(ctx)
}
