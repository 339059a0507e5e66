package keeper

import (
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Module is the bank module as the module manager sees it.
type Module struct {
	Keeper
	module.Section[bank.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasInvariants
} = Module{}

func (Module) Name() string { return bank.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, m.Keeper.InitGenesis)
}

func (Module) Queries() []module.Query {
	return []module.Query{
		module.AddressQuery(query.Balance, bank.BalanceKey),
		module.FixedQuery(query.Supply, bank.SupplyKey()),
		module.AddressQuery(query.Vesting, bank.VestingKey),
	}
}

// CheckState checks the supply over the whole state.
func (m Module) CheckState(r store.Reader) error { return m.CheckSupply(r) }

// CheckBlock checks that a block's changes keep the supply.
func (m Module) CheckBlock(changes *store.Cache, before store.Reader) error {
	return m.CheckBlockSupply(changes, before)
}
