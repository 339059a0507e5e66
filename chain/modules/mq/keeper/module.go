package keeper

import (
	"encoding/json"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
)

// Module is the mq module as the module manager sees it.
type Module struct {
	*Keeper
	module.Section[mq.Genesis]
}

var _ interface {
	module.HasMsgs
	module.HasGenesis
	module.HasEndBlock
	module.HasMetrics
} = Module{}

func (Module) Name() string { return mq.ModuleName }

func (m Module) InitGenesis(ctx *module.Context, raw json.RawMessage, _ module.ChainGenesis) error {
	return module.InitGenesisWith(ctx, raw, m.Keeper.InitGenesis)
}

// EndBlock deletes messages their recipients reported consumed. The manager runs
// it last, after the modules that send messages.
func (m Module) EndBlock(ctx *module.Context, _ module.EndBlockInfo) error {
	m.Keeper.EndBlock(ctx)
	return nil
}

func (Module) Gauges() []module.Gauge { return nil }

func (Module) CountedEvents() []module.CountedEvent {
	return []module.CountedEvent{{Type: mq.EventSent, Name: "mq_sent"}}
}
