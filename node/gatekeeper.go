package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/phalanx-net/phalanx/chain/app"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/tx"
)

// Options configure a gatekeeper.
type Options struct {
	// Home is the node's home directory, made by Init.
	Home string
	// Config overrides home/config/config.toml when set.
	Config *cmtcfg.Config
	// Log receives the node's logs; nil discards them.
	Log *slog.Logger
	// CometLogLevel filters CometBFT's own logs (it is chatty at info).
	CometLogLevel slog.Level
	// SigCache is shared by the nodes of one process; nil uses the
	// process-wide cache.
	SigCache *tx.SigCache
	// Tree tunes the state store; zero means the defaults, with
	// app.toml's state_keep_recent.
	Tree statedb.Options
	// App overrides home/config/app.toml when set.
	App *AppConfig
	// ABCI, when set, replaces the Phalanx application; the benchmark
	// runs CometBFT with a bare application to compare against.
	ABCI abci.Application
	// Metrics turns on the Prometheus metrics, CometBFT's and the
	// application's, served at the config's prometheus_listen_addr; it
	// overrides the config's prometheus setting, so a node serves both or
	// neither. Only one node of a process may have them: they share the
	// default registry.
	Metrics bool
}

// Gatekeeper is a running gatekeeper node.
type Gatekeeper struct {
	cfg  *cmtcfg.Config
	app  *app.App
	node *cmtnode.Node
	log  *slog.Logger
	dbs  *dbTracker
	// metrics serves the Prometheus metrics while the node runs (see
	// metrics.go); nil when they are off or not served yet.
	metrics *metricsServer
}

// New prepares a gatekeeper from its home: it opens the application state
// and builds the CometBFT node, which replays any blocks the application
// has not applied yet (the handshake) before Start returns.
func New(ctx context.Context, opts Options) (*Gatekeeper, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := opts.Config
	if c == nil {
		var err error
		if c, err = LoadConfig(opts.Home); err != nil {
			return nil, err
		}
	}
	c.SetRoot(opts.Home)
	if err := checkPVFiles(c, false); err != nil {
		return nil, err
	}
	// Validate the genesis (app_state included) before CometBFT reads it.
	gen, err := LoadGenesis(c.GenesisFile())
	if err != nil {
		return nil, err
	}
	ac := opts.App
	if ac == nil {
		loaded, err := LoadAppConfig(opts.Home)
		if err != nil {
			return nil, err
		}
		ac = &loaded
	} else if err := ac.Validate(); err != nil {
		return nil, err
	}
	nodeKey, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())

	c.Instrumentation.Prometheus = opts.Metrics
	var a *app.App
	abciApp := opts.ABCI
	if abciApp == nil {
		var err error
		var m *app.Metrics
		if opts.Metrics {
			if m, err = app.NewMetrics(prometheus.DefaultRegisterer); err != nil {
				return nil, err
			}
		}
		a, err = app.New(appOptions(c, gen, *ac, opts, log, m))
		if err != nil {
			return nil, err
		}
		abciApp = a
	}
	if err := reindexTail(c, log); err != nil {
		if a != nil {
			a.Close()
		}
		return nil, err
	}
	dbs := &dbTracker{log: log.With("module", "db")}
	cometLog := newCometLogger(log.With("module", "cometbft"), opts.CometLogLevel)
	n, err := cmtnode.NewNode(ctx, withoutCometMetricsServer(c), pv, nodeKey,
		clientCreator(abciApp),
		cmtnode.DefaultGenesisDocProviderFunc(c),
		dbs.provider,
		cmtnode.DefaultMetricsProvider(c.Instrumentation),
		cometLog,
	)
	if err != nil {
		if a != nil {
			a.Close()
		}
		dbs.closeAll(0)
		return nil, fmt.Errorf("cometbft node: %w", err)
	}
	cometLog.setNode(nodeState{blockSyncing: n.ConsensusReactor().WaitSync, p2pRunning: n.Switch().IsRunning})
	return &Gatekeeper{cfg: c, app: a, node: n, log: log, dbs: dbs}, nil
}

// appOptions are the application's options from the node's settings.
// The evidence age comes from the genesis: the chain never changes its
// consensus parameters, so the genesis's are the current ones.
func appOptions(c *cmtcfg.Config, gen *cmttypes.GenesisDoc, ac AppConfig, opts Options, log *slog.Logger, m *app.Metrics) app.Options {
	tree := opts.Tree
	if tree == (statedb.Options{}) {
		tree = statedb.DefaultOptions()
		tree.KeepRecent = ac.StateKeepRecent
	}
	var evidenceAge int64
	if gen.ConsensusParams != nil {
		evidenceAge = gen.ConsensusParams.Evidence.MaxAgeNumBlocks
	}
	return app.Options{
		Dir: c.DBDir(), Log: log.With("module", "app"), SigCache: opts.SigCache, Tree: tree, Metrics: m,
		Retention: app.Retention{MinRetainBlocks: ac.MinRetainBlocks, EvidenceMaxAgeBlocks: evidenceAge},
		Snapshots: app.SnapshotOptions{Dir: filepath.Join(c.DBDir(), SnapshotDir), Interval: ac.SnapshotInterval, KeepRecent: ac.SnapshotKeepRecent},
	}
}

// SnapshotDir is where, under data/, a gatekeeper keeps its state sync
// snapshots.
const SnapshotDir = "snapshots"

// clientCreator connects CometBFT to the application in-process. The
// Phalanx app synchronizes itself (see app.App), so only the consensus
// connection is serialized by CometBFT and mempool checks and queries run
// beside block execution; any other application gets CometBFT's fully
// serialized local client.
func clientCreator(a abci.Application) proxy.ClientCreator {
	if _, ok := a.(*app.App); ok {
		return proxy.NewConsensusSyncLocalClientCreator(a)
	}
	return proxy.NewLocalClientCreator(a)
}

// Start starts the node: the metrics server (when metrics are on), p2p,
// consensus and the RPC server. A metrics address that cannot be bound is
// an error before anything starts, and the gatekeeper is closed.
func (g *Gatekeeper) Start() error {
	if g.cfg.Instrumentation.IsPrometheusEnabled() {
		m, err := serveMetrics(g.cfg.Instrumentation)
		if err != nil {
			// Nothing ran: no goroutine of the node holds the databases.
			g.dbs.closeAll(0)
			if g.app != nil {
				g.app.Close()
			}
			return err
		}
		g.metrics = m
	}
	if err := g.node.Start(); err != nil {
		// A node that failed to start (a port taken) is not running, so
		// its Stop would do nothing; OnStop stops what NewNode started
		// (event bus, indexer) and whatever OnStart had started, so that
		// the databases close and the home can be used again.
		g.node.OnStop()
		g.stopMetrics()
		g.dbs.closeAll(0)
		if g.app != nil {
			g.app.Close()
		}
		return fmt.Errorf("start node: %w", err)
	}
	g.log.Info("gatekeeper started", "moniker", g.cfg.Moniker, "node_id", g.node.NodeInfo().ID(), "rpc", g.RPCURL(), "height", g.node.BlockStore().Height())
	return nil
}

// StopNode stops CometBFT (consensus, p2p, the RPC server) and waits for
// it; Stop does it too, then closes the databases and the application.
// A network of nodes in one process stops their nodes in an order of its
// choosing with StopNode, then closes them all at once with Stop.
func (g *Gatekeeper) StopNode() error {
	g.stopMetrics()
	if !g.node.IsRunning() {
		return nil
	}
	err := g.node.Stop()
	g.node.Wait()
	return err
}

func (g *Gatekeeper) stopMetrics() {
	if g.metrics != nil {
		g.metrics.close()
		g.metrics = nil
	}
}

// Stop stops the node and closes its databases. It is safe to call once
// after Start.
func (g *Gatekeeper) Stop() error {
	err := g.StopNode()
	grace := 2*max(g.cfg.Consensus.PeerQueryMaj23SleepDuration, g.cfg.Consensus.PeerGossipSleepDuration) + 100*time.Millisecond
	if cerr := g.dbs.closeAll(grace); err == nil {
		err = cerr
	}
	if g.app != nil {
		// CometBFT updates (and rechecks) the mempool in a goroutine of its
		// own after each commit, holding the mempool lock; it may still be
		// running after the node stopped. Close the app only once it is done.
		mp := g.node.Mempool()
		mp.Lock()
		cerr := g.app.Close()
		mp.Unlock()
		if err == nil {
			err = cerr
		}
	}
	g.log.Info("gatekeeper stopped", "moniker", g.cfg.Moniker)
	return err
}

// Halted is closed when the node's application halts (a broken
// invariant, or an upgrade governance planned that this binary does not
// implement): its consensus has stopped at that block, and the node
// should be stopped, HaltError saying why. Nil (never closed) when
// Options.ABCI replaced the application.
func (g *Gatekeeper) Halted() <-chan struct{} {
	if g.app == nil {
		return nil
	}
	return g.app.Halted()
}

// HaltError says why the node halted, or nil.
func (g *Gatekeeper) HaltError() error {
	if g.app == nil {
		return nil
	}
	return g.app.HaltError()
}

// App returns the node's application; nil when Options.ABCI replaced it.
func (g *Gatekeeper) App() *app.App { return g.app }

// Node returns the CometBFT node (block store, mempool, RPC environment).
func (g *Gatekeeper) Node() *cmtnode.Node { return g.node }

// Config returns the node's configuration.
func (g *Gatekeeper) Config() *cmtcfg.Config { return g.cfg }

// Height returns the height of the last block in the block store.
func (g *Gatekeeper) Height() int64 { return g.node.BlockStore().Height() }

// RPCURL returns the HTTP URL of the node's RPC server.
func (g *Gatekeeper) RPCURL() string { return HTTPURL(g.cfg.RPC.ListenAddress) }

// HTTPURL turns a CometBFT listen address (tcp://host:port) into an http
// URL a client can dial; an unspecified host becomes 127.0.0.1.
func HTTPURL(laddr string) string {
	u, err := url.Parse(laddr)
	if err != nil || u.Host == "" {
		return laddr
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return laddr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// P2PAddress returns id@host:port for other nodes' persistent_peers.
func P2PAddress(nodeID, laddr string) string {
	return nodeID + "@" + strings.TrimPrefix(laddr, "tcp://")
}
