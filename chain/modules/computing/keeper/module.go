package keeper

import (
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Module is the computing module as the module manager sees it.
type Module struct {
	*Keeper
	module.Section[computing.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasEndBlock
	module.HasMetrics
} = Module{}

func (Module) Name() string { return computing.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, m.Keeper.InitGenesis)
}

func (Module) Queries() []module.Query {
	return []module.Query{
		module.FixedQuery(query.ComputingParams, computing.ParamsKey()),
		module.FixedQuery(query.ComputingTotals, computing.TotalsKey()),
		module.IdentityQuery(query.ComputingWorker, computing.WorkerKey),
		module.ListQuery(query.ComputingWorkers, computing.WorkerPrefix()),
	}
}

// EndBlock settles the heartbeats and pays the block's rewards.
func (m Module) EndBlock(ctx *module.Context, info module.EndBlockInfo) error {
	votes := make([]Vote, len(info.Votes))
	for i, v := range info.Votes {
		votes[i] = Vote{Account: v.Account, Validator: v.Validator, Power: v.Power}
	}
	return m.Keeper.EndBlock(ctx, info.Hash, votes)
}

func (m Module) Gauges() []module.Gauge {
	return []module.Gauge{
		{Name: "reward_pool_pha", Help: "PHA left in the computing reward pool.", Value: func(r store.Reader) float64 {
			return phaFloat(bankkeeper.Keeper{}.ModuleBalance(r, bank.RewardPool))
		}},
		{Name: "rewards_paid_pha", Help: "PHA paid from the reward pool so far.", Value: func(r store.Reader) float64 {
			return phaFloat(m.Totals(r).Paid)
		}},
	}
}

func (Module) CountedEvents() []module.CountedEvent {
	return []module.CountedEvent{
		{Type: computing.EventChallenge, Name: "heartbeat_challenge"},
		{Type: computing.EventReward, Name: "reward"},
		{Type: computing.EventState, Attr: computing.AttrState, Value: computing.Unresponsive.String(), Name: "worker_unresponsive"},
	}
}

// phaFloat converts an amount to PHA as a float, for display only.
func phaFloat(a pha.Amount) float64 {
	f, _ := a.Big().Float64()
	return f / 1e12
}

// ChangeParams implements module.HasParams: the economics.
func (m Module) ChangeParams(kv store.KV, changes json.RawMessage) error {
	p, err := module.ApplyChanges(m.Params(kv), changes)
	if err != nil {
		return err
	}
	kv.Set(computing.ParamsKey(), codec.MustMarshal(p))
	return nil
}
