package keeper

import (
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Module is the governance module as the module manager sees it.
type Module struct {
	*Keeper
	module.Section[gov.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasEndBlock
	module.HasParams
} = Module{}

func (Module) Name() string { return gov.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, m.Keeper.InitGenesis)
}

func (Module) Queries() []module.Query {
	return []module.Query{
		module.FixedQuery(query.GovParams, gov.ParamsKey()),
		module.Uint64Query(query.Proposal, "proposal id", gov.ProposalKey),
		module.ListQuery(query.Proposals, gov.ProposalPrefix()),
		module.ListQuery(query.Votes, gov.VotePrefix(nil)),
		module.ListQuery(query.Deposits, gov.DepositPrefix(nil)),
		module.FixedQuery(query.Upgrade, gov.UpgradeKey()),
	}
}

// EndBlock closes the periods that ended.
func (m Module) EndBlock(ctx *module.Context, _ module.EndBlockInfo) error {
	return m.Keeper.EndBlock(ctx)
}

// ChangeParams implements module.HasParams: governance changes its own
// parameters too.
func (m Module) ChangeParams(kv store.KV, changes json.RawMessage) error {
	p, err := module.ApplyChanges(m.Params(kv), changes)
	if err != nil {
		return err
	}
	set(kv, gov.ParamsKey(), p)
	return nil
}
