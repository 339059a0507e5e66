package node

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// A gatekeeper serves its Prometheus metrics itself rather than leaving it
// to CometBFT: CometBFT v1.0.1 binds prometheus_listen_addr in a goroutine
// of Node.OnStart and, if the address is taken, logs one error and runs on
// without metrics. Binding the address in Start, before the node starts,
// makes that a start failure that names the address, as for any port the
// operator asked for; and since the listener bound is the one served, no
// other program can take the address between a check and the serving.
// (Checking the address by binding and releasing it before CometBFT's
// start would leave that window open.)

// withoutCometMetricsServer returns c for CometBFT: the same
// configuration with its own metrics server off. The metrics themselves
// stay on: the metrics provider is given c's instrumentation.
func withoutCometMetricsServer(c *cmtcfg.Config) *cmtcfg.Config {
	cc := *c
	instr := *c.Instrumentation
	instr.Prometheus = false
	cc.Instrumentation = &instr
	return &cc
}

// metricsServer serves the default Prometheus registry, where CometBFT's
// metrics and the application's are.
type metricsServer struct {
	srv  *http.Server
	done chan struct{}
}

// serveMetrics binds the instrumentation's listen address and serves the
// metrics on it, as CometBFT's own server would.
func serveMetrics(c *cmtcfg.InstrumentationConfig) (*metricsServer, error) {
	ln, err := net.Listen("tcp", c.PrometheusListenAddr)
	if err != nil {
		return nil, fmt.Errorf("serve metrics at %s (prometheus_listen_addr in config.toml; `node start --metrics=false` runs without): %w", c.PrometheusListenAddr, err)
	}
	m := &metricsServer{
		srv: &http.Server{
			Handler: promhttp.InstrumentMetricHandler(prometheus.DefaultRegisterer,
				promhttp.HandlerFor(prometheus.DefaultGatherer, promhttp.HandlerOpts{MaxRequestsInFlight: c.MaxOpenConnections})),
			ReadHeaderTimeout: 10 * time.Second,
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(m.done)
		m.srv.Serve(ln) // returns ErrServerClosed at close, or a failure of the listener
	}()
	return m, nil
}

// close stops the server and waits for it.
func (m *metricsServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
	<-m.done
}
