package app

import (
	"errors"
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/pha"
)

// Metrics are the application's Prometheus metrics, beside CometBFT's
// own.
type Metrics struct {
	txs        *prometheus.CounterVec
	refused    *prometheus.CounterVec
	height     prometheus.Gauge
	events     *prometheus.CounterVec
	rewardPool prometheus.Gauge
	paid       prometheus.Gauge
}

// NewMetrics registers the application's metrics with reg; a metric
// registered before (a node restarted in the same process) is reused.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		txs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "phalanx", Name: "txs_total",
			Help: "Transactions executed in blocks, by their first message's type and their result (ok, or codespace/code)."}, []string{"type", "result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "phalanx", Name: "txs_refused_total",
			Help: "Transactions refused before any block: at their mempool check (stage check) or when a block made them invalid there (stage recheck), by their first message's type and their codespace/code."}, []string{"stage", "type", "result"}),
		height: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "phalanx", Name: "height", Help: "The last committed height."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "phalanx", Name: "events_total",
			Help: "Chain events of interest: mq messages sent to enclaves, contract commands and results, disagreements, heartbeat challenges, rewards, workers turning unresponsive."}, []string{"event"}),
		rewardPool: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "phalanx", Name: "reward_pool_pha", Help: "PHA left in the computing reward pool."}),
		paid:       prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "phalanx", Name: "rewards_paid_pha", Help: "PHA paid from the reward pool so far."}),
	}
	var err error
	m.txs = register(reg, m.txs, &err)
	m.refused = register(reg, m.refused, &err)
	m.height = register(reg, m.height, &err)
	m.events = register(reg, m.events, &err)
	m.rewardPool = register(reg, m.rewardPool, &err)
	m.paid = register(reg, m.paid, &err)
	return m, err
}

// register registers c, or returns the collector already registered
// under its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	err := reg.Register(c)
	var dup prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c
	case errors.As(err, &dup):
		if prev, ok := dup.ExistingCollector.(C); ok {
			return prev
		}
	}
	if *errp == nil {
		*errp = fmt.Errorf("metrics: %w", err)
	}
	return c
}

// counted are the events the metrics count, by the name they get.
var counted = map[string]string{
	mq.EventSent:                "mq_sent",
	contracts.EventCommand:      "contract_command",
	contracts.EventResult:       "contract_result",
	contracts.EventDisagreement: "contract_disagreement",
	computing.EventChallenge:    "heartbeat_challenge",
	computing.EventReward:       "reward",
	computing.EventState + ":" + computing.Unresponsive.String(): "worker_unresponsive",
}

func (m *Metrics) countEvents(evs []abci.Event) {
	for _, e := range evs {
		name, ok := counted[e.Type]
		if e.Type == computing.EventState {
			for _, a := range e.Attributes {
				if a.Key == computing.AttrState {
					name, ok = counted[e.Type+":"+a.Value]
				}
			}
		}
		if ok {
			m.events.WithLabelValues(name).Inc()
		}
	}
}

// block records a finalized block.
func (m *Metrics) block(results []txResult, endEvents []abci.Event) {
	if m == nil {
		return
	}
	for _, r := range results {
		m.txs.WithLabelValues(r.labels()).Inc()
		m.countEvents(r.events)
	}
	m.countEvents(endEvents)
}

// checked records a mempool check; only refusals are counted, since a
// transaction admitted is counted once, in its block.
func (m *Metrics) checked(recheck bool, r txResult) {
	if m == nil || r.err == nil {
		return
	}
	stage := "check"
	if recheck {
		stage = "recheck"
	}
	kind, result := r.labels()
	m.refused.WithLabelValues(stage, kind, result).Inc()
}

// labels are a result's type and result labels: its first message's type
// and "ok" or codespace/code.
func (r txResult) labels() (kind, result string) {
	kind, result = r.kind, "ok"
	if kind == "" {
		kind = "undecodable"
	}
	if r.err != nil {
		cs, code, _ := module.ABCIInfo(r.err)
		result = cs + "/" + strconv.FormatUint(uint64(code), 10)
	}
	return kind, result
}

// committed records the state after a commit.
func (m *Metrics) committed(height int64, pool, paid pha.Amount) {
	if m == nil {
		return
	}
	m.height.Set(float64(height))
	m.rewardPool.Set(phaFloat(pool))
	m.paid.Set(phaFloat(paid))
}

// phaFloat converts an amount to PHA as a float, for display only.
func phaFloat(a pha.Amount) float64 {
	f, _ := a.Big().Float64()
	return f / 1e12
}
