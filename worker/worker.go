package worker

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/worker/hostdb"
)

// Worker is a compute host: the shared loop (Host) around a worker
// enclave, which also runs its clusters' contracts, answers heartbeat
// challenges and serves the query API.
type Worker struct {
	*Host
	contracts *enclave.Contracts
	queries   *queries
	queryLn   net.Listener
	answered  int64 // the height of the last challenge answered

	// left holds the clusters this worker holds a key of but is no longer
	// a member of, as of the last round: it answers no query on their
	// contracts, whose state it no longer follows.
	left sync.Map // cluster id → struct{}
}

// New opens a worker: its enclave on its platform (creating and sealing keys
// on first start), its checkpoint, its contract state and its query
// listener, and connects to the node. It does not touch the chain yet
// beyond reading its genesis.
func New(ctx context.Context, cfg Config) (*Worker, error) {
	h, err := newHost(ctx, cfg, workerRole)
	if err != nil {
		return nil, err
	}
	w := &Worker{Host: h}
	store, err := hostdb.Open(filepath.Join(h.cfg.Home, "contract-state"))
	if err != nil {
		return nil, err
	}
	if w.contracts, err = h.enc.OpenContracts(ctx, enclave.ContractsConfig{ChainID: h.chainID, Dir: h.cfg.Home, Store: store, Log: h.log}); err != nil {
		return nil, err
	}
	w.queries = newQueries(w)
	if h.cfg.QueryAddr != "" {
		if w.queryLn, err = net.Listen("tcp", h.cfg.QueryAddr); err != nil {
			w.contracts.Close(ctx)
			return nil, fmt.Errorf("query API: %w", err)
		}
	}
	h.part = part{serve: w.serve, round: w.round, close: w.close}
	return w, nil
}

// QueryURL returns the base URL of the worker's query API, or "".
func (w *Worker) QueryURL() string {
	if w.queryLn == nil {
		return ""
	}
	return "http://" + w.queryLn.Addr().String()
}

// serve serves the query API, if it listens, until ctx ends.
func (w *Worker) serve(ctx context.Context) {
	if w.queryLn != nil {
		w.serveQueries(ctx, w.queryLn)
	}
}

// round is the worker's part of a round: the heartbeat, then the
// clusters' new commands.
func (w *Worker) round(ctx context.Context) error {
	if err := w.answerChallenge(ctx); err != nil {
		return err
	}
	return w.executeCommands(ctx)
}

// close releases the query listener and the contract state.
func (w *Worker) close(ctx context.Context) error {
	if w.queryLn != nil {
		w.queryLn.Close()
	}
	return w.contracts.Close(ctx)
}

// answerChallenge answers the heartbeat challenge the chain has open for
// this worker, if any: the worker reads it from its computing record,
// proven, rather than from a message, so challenges leave nothing behind
// in the state.
func (w *Worker) answerChallenge(ctx context.Context) error {
	raw, err := w.prove(ctx, computing.WorkerKey(w.enc.Identity()))
	if err != nil || raw == nil {
		return err
	}
	rec, err := computing.Decode[computing.Worker](raw)
	if err != nil {
		return fmt.Errorf("%w: computing record: %v", ErrMessage, err)
	}
	if rec.Challenged == 0 || rec.ChallengeHeight == w.answered {
		return nil
	}
	// The heartbeat carries the instant score, measured now.
	it, ms := enclave.Benchmark(w.cfg.BenchmarkSpan / 6)
	w.log.Debug("answering a heartbeat challenge", "height", rec.ChallengeHeight)
	if err := w.postAll(ctx, []enclave.Outgoing{{Topic: computing.TopicHeartbeat, Payload: codec.MustMarshal(computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: it, SpanMillis: ms})}}); err != nil {
		return err
	}
	w.answered = rec.ChallengeHeight
	w.metrics.heartbeats.Inc()
	return nil
}
