package app

import (
	"errors"
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Metrics are the application's Prometheus metrics, beside CometBFT's
// own.
type Metrics struct {
	txs     *prometheus.CounterVec
	refused *prometheus.CounterVec
	height  prometheus.Gauge
	events  *prometheus.CounterVec
	gauges  map[string]prometheus.Gauge // the modules' gauges, by name
	// counted are the events the metrics count, by type.
	counted map[string][]module.CountedEvent
}

// NewMetrics registers the application's metrics, the modules' included,
// with reg; a metric registered before (a node restarted in the same
// process) is reused.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	mods := NewModules()
	m := &Metrics{
		txs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "phalanx", Name: "txs_total",
			Help: "Transactions executed in blocks, by their first message's type and their result (ok, or codespace/code)."}, []string{"type", "result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "phalanx", Name: "txs_refused_total",
			Help: "Transactions refused before any block: at their mempool check (stage check) or when a block made them invalid there (stage recheck), by their first message's type and their codespace/code."}, []string{"stage", "type", "result"}),
		height: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "phalanx", Name: "height", Help: "The last committed height."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "phalanx", Name: "events_total",
			Help: "Chain events of interest: mq messages sent to enclaves, contract commands and results, disagreements, heartbeat challenges, rewards, workers turning unresponsive."}, []string{"event"}),
		gauges:  map[string]prometheus.Gauge{},
		counted: map[string][]module.CountedEvent{},
	}
	var err error
	m.txs = register(reg, m.txs, &err)
	m.refused = register(reg, m.refused, &err)
	m.height = register(reg, m.height, &err)
	m.events = register(reg, m.events, &err)
	for _, g := range mods.Gauges() {
		m.gauges[g.Name] = register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "phalanx", Name: g.Name, Help: g.Help}), &err)
	}
	for _, c := range mods.CountedEvents() {
		m.counted[c.Type] = append(m.counted[c.Type], c)
	}
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

func (m *Metrics) countEvents(evs []abci.Event) {
	for _, e := range evs {
		for _, c := range m.counted[e.Type] {
			if c.Attr == "" || hasAttr(e, c.Attr, c.Value) {
				m.events.WithLabelValues(c.Name).Inc()
			}
		}
	}
}

func hasAttr(e abci.Event, key, value string) bool {
	for _, a := range e.Attributes {
		if a.Key == key && a.Value == value {
			return true
		}
	}
	return false
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

// committed records the state after a commit: the height, and the
// modules' gauges read from it.
func (m *Metrics) committed(height int64, r store.Reader, gauges []module.Gauge) {
	if m == nil {
		return
	}
	m.height.Set(float64(height))
	for _, g := range gauges {
		if pg, ok := m.gauges[g.Name]; ok {
			pg.Set(g.Value(r))
		}
	}
}
