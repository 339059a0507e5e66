package keeper

import (
	"encoding/binary"
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Module is the contracts module as the module manager sees it.
type Module struct {
	*Keeper
	module.Section[contracts.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasEndBlock
	module.HasMetrics
} = Module{}

func (Module) Name() string { return contracts.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, m.Keeper.InitGenesis)
}

func (Module) Queries() []module.Query {
	const hash, seq = "a 32-byte hash", "a cluster id and a sequence number, 8 bytes each"
	bySeq := func(key func(cluster, seq uint64) []byte) func([]byte) []byte {
		return func(d []byte) []byte { return key(binary.BigEndian.Uint64(d), binary.BigEndian.Uint64(d[8:])) }
	}
	return []module.Query{
		module.FixedQuery(query.ContractsParams, contracts.ParamsKey()),
		module.Uint64Query(query.Cluster, "cluster id", contracts.ClusterKey),
		module.SizedQuery(query.Code, 32, hash, func(d []byte) []byte { return contracts.CodeKey(contracts.Hash(d)) }),
		module.SizedQuery(query.Contract, 32, hash, func(d []byte) []byte { return contracts.ContractKey(contracts.Hash(d)) }),
		module.SizedQuery(query.Command, 16, seq, bySeq(contracts.CommandKey)),
		module.SizedQuery(query.Result, 16, seq, bySeq(contracts.ResultKey)),
		module.ListQuery(query.Clusters, contracts.ClusterPrefix()),
		module.ListQuery(query.Contracts, contracts.ContractPrefix()),
	}
}

// EndBlock closes the commands whose deadline came without a result.
func (m Module) EndBlock(ctx *module.Context, _ module.EndBlockInfo) error {
	return m.Keeper.EndBlock(ctx)
}

func (Module) Gauges() []module.Gauge { return nil }

func (Module) CountedEvents() []module.CountedEvent {
	return []module.CountedEvent{
		{Type: contracts.EventCommand, Name: "contract_command"},
		{Type: contracts.EventResult, Name: "contract_result"},
		{Type: contracts.EventDisagreement, Name: "contract_disagreement"},
	}
}

// ChangeParams implements module.HasParams.
func (m Module) ChangeParams(kv store.KV, changes json.RawMessage) error {
	p, err := module.ApplyChanges(m.Params(kv), changes)
	if err != nil {
		return err
	}
	set(kv, contracts.ParamsKey(), p)
	return nil
}
