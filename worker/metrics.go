package worker

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are a worker's Prometheus metrics, in a registry of its own
// (several workers may share a process), served at /metrics beside the
// query API.
type metrics struct {
	reg        *prometheus.Registry
	commands   *prometheus.CounterVec
	gas        prometheus.Counter
	queries    *prometheus.HistogramVec
	heartbeats prometheus.Counter
	height     prometheus.Gauge
	backlog    prometheus.Gauge
}

func newMetrics(platform string, insecure bool) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "phalanx_worker", Name: "commands_total",
			Help: "Contract commands executed, by status."}, []string{"status"}),
		gas: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "phalanx_worker", Name: "command_gas_total", Help: "Gas used by executed commands."}),
		queries: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "phalanx_worker", Name: "query_seconds",
			Help: "Time to answer an encrypted query, by mode and outcome.", Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14)}, []string{"mode", "outcome"}),
		heartbeats: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "phalanx_worker", Name: "heartbeats_total", Help: "Heartbeat challenges answered."}),
		height:     prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "phalanx_worker", Name: "height", Help: "The last verified chain height."}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "phalanx_worker", Name: "mq_backlog",
			Help: "Messages the chain has queued for this enclave that it has not handled yet."}),
	}
	platformGauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "phalanx_worker", Name: "enclave_platform",
		Help: "1 for the TEE platform the enclave runs on; insecure is true on sim."}, []string{"platform", "insecure"})
	ins := "false"
	if insecure {
		ins = "true"
	}
	platformGauge.WithLabelValues(platform, ins).Set(1)
	m.reg.MustRegister(m.commands, m.gas, m.queries, m.heartbeats, m.height, m.backlog, platformGauge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
