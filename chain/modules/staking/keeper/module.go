package keeper

import (
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Module is the staking module as the module manager sees it.
type Module struct {
	*Keeper
	module.Section[staking.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasEndBlock
} = Module{}

func (Module) Name() string { return staking.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, chain module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, func(ctx *module.Context, g staking.Genesis) error {
		return m.Keeper.InitGenesis(ctx, g, chain)
	})
}

func (Module) Queries() []module.Query {
	return []module.Query{
		module.FixedQuery(query.StakingParams, staking.ParamsKey()),
		module.AddressQuery(query.Candidate, staking.CandidateKey),
		module.ListQuery(query.Candidates, staking.CandidatePrefix()),
		module.SizedQuery(query.Nomination, 40, "a candidate's address (20 bytes) and a nominator's (20)", func(d []byte) []byte {
			return staking.NominationKey(crypto.Address(d[:20]), crypto.Address(d[20:]))
		}),
		module.ListQuery(query.Nominations, staking.NominationPrefix(nil)),
		module.ListQuery(query.Unbondings, staking.UnbondingPrefix()),
		module.ListQuery(query.ActiveValidators, staking.ActivePrefix()),
	}
}

// EndBlock pays back completed unbondings, jails and elects.
func (m Module) EndBlock(ctx *module.Context, info module.EndBlockInfo) error {
	return m.Keeper.EndBlock(ctx, info)
}

// ChangeParams implements module.HasParams. A change of max_validators
// or of the self-bond takes effect at the next election.
func (m Module) ChangeParams(kv store.KV, changes json.RawMessage) error {
	p, err := module.ApplyChanges(m.Params(kv), changes)
	if err != nil {
		return err
	}
	set(kv, staking.ParamsKey(), p)
	return nil
}
