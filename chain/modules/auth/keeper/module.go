package keeper

import (
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Module is the auth module as the module manager sees it.
type Module struct {
	Keeper
	module.Section[auth.Genesis]
}

var _ interface {
	module.HasGenesis
	module.HasQueries
} = Module{}

func (Module) Name() string { return auth.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, m.Keeper.InitGenesis)
}

func (Module) Queries() []module.Query {
	return []module.Query{
		module.AddressQuery(query.Account, auth.AccountKey),
		module.FixedQuery(query.Params, auth.ParamsKey()),
	}
}

// ChangeParams implements module.HasParams: fees, gas prices and limits.
func (m Module) ChangeParams(kv store.KV, changes json.RawMessage) error {
	p, err := module.ApplyChanges(m.Params(kv), changes)
	if err != nil {
		return err
	}
	m.SetParams(kv, p)
	return nil
}
