package keeper

import (
	"encoding/json"
	"errors"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Module is the registry module as the module manager sees it.
type Module struct {
	Keeper
	module.Section[registry.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasEndBlock
} = Module{}

func (Module) Name() string { return registry.ModuleName }

// InitGenesis records the genesis validators, which CometBFT passes to
// InitChain beside app_state, as validator accounts.
func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, chain module.ChainGenesis) error {
	g, err := module.ReadGenesis[registry.Genesis](raw)
	if err != nil {
		return err
	}
	g.Validators = chain.Validators
	return m.Keeper.InitGenesis(ctx, g)
}

func (Module) Queries() []module.Query {
	return []module.Query{
		module.FixedQuery(query.RegistryParams, registry.ParamsKey()),
		module.IdentityQuery(query.Worker, registry.WorkerKey),
		module.IdentityQuery(query.Gatekeeper, registry.GatekeeperKey),
		module.ListQuery(query.Workers, registry.WorkerPrefix()),
		module.ListQuery(query.Gatekeepers, registry.GatekeeperPrefix()),
		{Path: query.Collateral, Data: "a collateral scope as text: tdx/fmspc/<FMSPC> or sevsnp/<product line>", Key: collateralQueryKey},
		module.ListQuery(query.Collaterals, registry.CollateralPrefix()),
	}
}

// EndBlock takes the standing of the enclaves that lost it; the module
// list puts the registry before the modules that act on it.
func (m Module) EndBlock(ctx *module.Context, _ module.EndBlockInfo) error {
	return m.Keeper.EndBlock(ctx)
}

// collateralQueryKey is the key of a Collateral query: the scope, as
// Collateral.Scope writes it.
func collateralQueryKey(data []byte) ([]byte, error) {
	if len(data) == 0 || len(data) > 64 {
		return nil, errors.New("wants a collateral scope, tdx/fmspc/<FMSPC> or sevsnp/<product line>")
	}
	return registry.CollateralKey(string(data)), nil
}

// ChangeParams implements module.HasParams: the allowlist, the minimum
// TCB levels, the council. Every record is checked against the new
// parameters at the end of the block.
func (m Module) ChangeParams(kv store.KV, changes json.RawMessage) error {
	p, err := module.ApplyChanges(m.Params(kv), changes)
	if err != nil {
		return err
	}
	m.UpdateParams(kv, p)
	return nil
}
