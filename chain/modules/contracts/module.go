package contracts

import (
	"encoding/binary"
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/query"
)

// Module is the contracts module as the module manager sees it.
type Module struct{ *Keeper }

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasQueries
	module.HasEndBlock
	module.HasMetrics
} = Module{}

func (Module) Name() string { return ModuleName }

func (Module) ValidateGenesis(raw json.RawMessage) error {
	_, err := module.ReadGenesis[Genesis](raw)
	return err
}

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	g, err := module.ReadGenesis[Genesis](raw)
	if err != nil {
		return err
	}
	return m.Keeper.InitGenesis(ctx, g)
}

func (Module) Queries() []module.Query {
	const hash, seq = "a 32-byte hash", "a cluster id and a sequence number, 8 bytes each"
	bySeq := func(key func(cluster, seq uint64) []byte) func([]byte) []byte {
		return func(d []byte) []byte { return key(binary.BigEndian.Uint64(d), binary.BigEndian.Uint64(d[8:])) }
	}
	return []module.Query{
		module.FixedQuery(query.ContractsParams, ParamsKey()),
		module.Uint64Query(query.Cluster, "cluster id", ClusterKey),
		module.SizedQuery(query.Code, 32, hash, func(d []byte) []byte { return CodeKey(Hash(d)) }),
		module.SizedQuery(query.Contract, 32, hash, func(d []byte) []byte { return ContractKey(Hash(d)) }),
		module.SizedQuery(query.Command, 16, seq, bySeq(CommandKey)),
		module.SizedQuery(query.Result, 16, seq, bySeq(ResultKey)),
		module.ListQuery(query.Clusters, ClusterPrefix()),
		module.ListQuery(query.Contracts, ContractPrefix()),
	}
}

// EndBlock closes the commands whose deadline came without a result.
func (m Module) EndBlock(ctx *module.Context, _ module.EndBlockInfo) error {
	return m.Keeper.EndBlock(ctx)
}

func (Module) Gauges() []module.Gauge { return nil }

func (Module) CountedEvents() []module.CountedEvent {
	return []module.CountedEvent{
		{Type: EventCommand, Name: "contract_command"},
		{Type: EventResult, Name: "contract_result"},
		{Type: EventDisagreement, Name: "contract_disagreement"},
	}
}

// ModuleName names the module whose section of app_state this is.
func (Genesis) ModuleName() string { return ModuleName }
