package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker/follow"
	"github.com/phalanx-net/phalanx/worker/hostdb"
)

// Config configures a worker.
type Config struct {
	// Home holds the sealed keys and the sealed checkpoint.
	Home string
	// Nodes are the RPC addresses of gatekeepers or full nodes. The worker
	// trusts none of them: headers and state are verified. The first that
	// answers is the primary, which the worker reads from and sends its
	// transactions to; it fails over to the next when the primary fails
	// or stalls (see StallAfter). The others are witnesses: the light
	// client cross-checks each round's last header with them.
	Nodes []string
	// NodeTimeout bounds one request to a node (default
	// DefaultNodeTimeout); StallAfter is how long the primary may stay at
	// one height while another node is higher (default DefaultStallAfter).
	NodeTimeout, StallAfter time.Duration
	// RPC overrides Nodes with a ready client (tests, in-process devnets);
	// it has no witnesses.
	RPC rpcclient.Client
	// Operator pays the worker's transactions and is bound in its
	// attestation as its operator. It stays in the host part: it moves
	// the operator's funds, not the enclave's secrets.
	Operator crypto.PrivateKey
	// Platform opens the TEE.
	Platform string
	TEE      tee.Options
	// Genesis is the chain's genesis: the root of trust for a worker with
	// no checkpoint. Nil fetches it from the node (trust on first use).
	Genesis *types.GenesisDoc
	// TrustedHeight and TrustedHash, when set, replace the genesis as the
	// root of trust for a worker with no checkpoint: a chain older than
	// the light client's trusting period cannot be followed from genesis.
	TrustedHeight int64
	TrustedHash   []byte
	// Poll is how often the worker looks for new blocks (default 250 ms).
	Poll time.Duration
	Log  *slog.Logger
	// QueryAddr is where the worker serves its query API (worker/api),
	// e.g. "127.0.0.1:26680"; empty serves none.
	QueryAddr string
	// Progress, if set, is told of each verified height while the worker
	// catches up with the chain (for a progress bar).
	Progress func(height, target int64)
	// BenchmarkSpan is how long the worker's CPU benchmark runs after it
	// registers (default 6 s); heartbeats measure for a sixth of it.
	BenchmarkSpan time.Duration
	// Role is what the enclave registers as: a worker (the default), or a
	// gatekeeper's enclave, which holds the master key and whose Operator
	// is the gatekeeper's validator account.
	Role registry.Role
}

// Status is what a worker reports about itself.
type Status struct {
	Identity   crypto.PublicKey `json:"identity"`
	Operator   crypto.Address   `json:"operator"`
	Platform   string           `json:"platform"`
	Insecure   bool             `json:"insecure"`
	Warning    string           `json:"warning,omitempty"`
	ChainID    string           `json:"chain_id"`
	Height     int64            `json:"height"`
	Registered bool             `json:"registered"`
	Processed  uint64           `json:"processed_messages"`
}

// Worker is a running worker.
type Worker struct {
	cfg       Config
	log       *slog.Logger
	enc       *enclave.Enclave
	rpc       rpcclient.Client
	nodes     *nodes // nil with Config.RPC
	client    *client.Client
	follower  *follow.Follower
	chainID   string
	contracts *enclave.Contracts // workers only
	queries   *queries
	queryLn   net.Listener
	metrics   *metrics
	closeOnce sync.Once

	mu         sync.Mutex
	cp         checkpoint
	registered bool
	registerAt int64 // height of the last registration attempt
	nextSeq    uint64
	answered   int64 // the height of the last challenge answered
	seqKnown   bool
	regCh      chan struct{} // closed once the chain confirmed the registration

	// consumed is cp.Processed as last saved: the messages the enclave
	// would not need again after a crash, which its posts report to the
	// chain so that it deletes them.
	consumed uint64

	// left holds the clusters this worker holds a key of but is no longer
	// a member of, as of the last round: it answers no query on their
	// contracts, whose state it no longer follows.
	left sync.Map // cluster id → struct{}
}

// New opens the worker's platform and enclave (creating and sealing keys on
// first start) and its checkpoint, and connects to the node. It does not
// touch the chain yet beyond reading its genesis.
func New(ctx context.Context, cfg Config) (*Worker, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Poll == 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.NodeTimeout <= 0 {
		cfg.NodeTimeout = DefaultNodeTimeout
	}
	if cfg.StallAfter <= 0 {
		cfg.StallAfter = DefaultStallAfter
	}
	if err := os.MkdirAll(cfg.Home, 0o700); err != nil {
		return nil, err
	}
	if cfg.TEE.Dir == "" {
		cfg.TEE.Dir = cfg.Home
	}
	if cfg.TEE.SimVersion == 0 {
		cfg.TEE.SimVersion = enclave.Version
	}
	if cfg.TEE.Log == nil {
		cfg.TEE.Log = cfg.Log
	}
	p, err := tee.Open(cfg.Platform, cfg.TEE)
	if err != nil {
		return nil, err
	}
	if !p.Secure() {
		cfg.Log.Warn(tee.SimWarning)
	}
	if cfg.Role == 0 {
		cfg.Role = registry.RoleWorker
	}
	if cfg.BenchmarkSpan == 0 {
		cfg.BenchmarkSpan = 6 * time.Second
	}
	e, created, err := enclave.Open(p, cfg.Home)
	if err != nil {
		return nil, err
	}
	if err := e.OpenSecrets(cfg.Home); err != nil {
		return nil, err
	}
	w := &Worker{cfg: cfg, log: cfg.Log.With("worker", e.Identity().String()[:12]), enc: e, regCh: make(chan struct{}),
		metrics: newMetrics(p.Name(), !p.Secure())}
	if created {
		w.log.Info("enclave keys created and sealed", "identity", e.Identity(), "platform", p.Name())
	} else {
		w.log.Info("enclave keys unsealed", "identity", e.Identity(), "platform", p.Name())
	}
	w.rpc = cfg.RPC
	if w.rpc == nil {
		if w.nodes, err = newNodes(cfg.Nodes, cfg.NodeTimeout, cfg.StallAfter, w.log); err != nil {
			return nil, err
		}
		if len(w.nodes.urls) > 1 {
			w.nodes.choose(ctx)
		}
		w.rpc = w.nodes.rpc
	}
	w.client = client.FromRPC(w.rpc)
	cp, lb, err := loadCheckpoint(e, cfg.Home)
	if err != nil {
		return nil, err
	}
	gen := cfg.Genesis
	if gen == nil {
		res, err := w.rpc.Genesis(ctx)
		if err != nil {
			return nil, fmt.Errorf("fetch genesis from %s: %w", w.nodeName(), err)
		}
		gen = res.Genesis
	}
	if cp.ChainID != "" && cp.ChainID != gen.ChainID {
		return nil, fmt.Errorf("%w: checkpoint follows %q, node serves %q", ErrChainMismatch, cp.ChainID, gen.ChainID)
	}
	w.chainID, cp.ChainID = gen.ChainID, gen.ChainID
	w.cp = cp
	w.consumed = cp.Processed
	fopts := follow.Options{ChainID: gen.ChainID, Genesis: gen, Log: cfg.Log, TrustedHeight: cfg.TrustedHeight, TrustedHash: cfg.TrustedHash}
	switch {
	case w.nodes != nil && len(w.nodes.urls) > 1:
		fopts.Witnesses = w.nodes.providers(gen.ChainID)
		w.log.Info("following the chain", "primary", w.nodes.Primary(), "witnesses", len(w.nodes.urls)-1, "nodes", w.nodes.String())
	case w.nodes != nil:
		w.log.Info("no witness: following one node; give several gatekeepers so that none is depended on", "node", w.nodeName())
	}
	if w.follower, err = follow.New(w.rpc, fopts, lb); err != nil {
		return nil, err
	}
	if lb != nil {
		w.log.Info("resuming from checkpoint", "height", lb.Height, "processed_messages", cp.Processed)
	}
	if cfg.Role == registry.RoleWorker {
		store, err := hostdb.Open(filepath.Join(cfg.Home, "contract-state"))
		if err != nil {
			return nil, err
		}
		if w.contracts, err = e.OpenContracts(ctx, enclave.ContractsConfig{ChainID: gen.ChainID, Dir: cfg.Home, Store: store, Log: w.log}); err != nil {
			return nil, err
		}
		w.queries = newQueries(w)
		if cfg.QueryAddr != "" {
			if w.queryLn, err = net.Listen("tcp", cfg.QueryAddr); err != nil {
				w.contracts.Close(ctx)
				return nil, fmt.Errorf("query API: %w", err)
			}
		}
	}
	return w, nil
}

// nodeName names the primary node for messages.
func (w *Worker) nodeName() string {
	if w.nodes != nil {
		return w.nodes.Primary()
	}
	return "the node"
}

// QueryURL returns the base URL of the worker's query API, or "".
func (w *Worker) QueryURL() string {
	if w.queryLn == nil {
		return ""
	}
	return "http://" + w.queryLn.Addr().String()
}

// Close releases the worker's contract state and runtime; Run does it
// when it returns.
func (w *Worker) Close(ctx context.Context) error {
	var err error
	w.closeOnce.Do(func() {
		if w.queryLn != nil {
			w.queryLn.Close()
		}
		if w.contracts != nil {
			err = w.contracts.Close(ctx)
		}
	})
	return err
}

// Identity returns the enclave's identity key: the worker's id.
func (w *Worker) Identity() crypto.PublicKey { return w.enc.Identity() }

// Status returns the worker's state.
func (w *Worker) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := Status{Identity: w.enc.Identity(), Operator: w.cfg.Operator.Public().Address(), Platform: w.enc.Platform().Name(),
		Insecure: !w.enc.Platform().Secure(), ChainID: w.chainID, Registered: w.registered, Processed: w.cp.Processed}
	if s.Insecure {
		s.Warning = tee.SimWarning
	}
	if lb := w.follower.Trusted(); lb != nil {
		s.Height = lb.Height
	}
	return s
}

// Registered is closed once the worker has seen its registration on chain.
func (w *Worker) Registered() <-chan struct{} { return w.regCh }

// Run follows the chain until ctx ends: each round verifies the new
// headers, registers the enclave if the chain does not know it, handles
// the new messages to the enclave, and saves the checkpoint. It returns
// nil when ctx ends; an error when the node serves something that does
// not verify (a worker stops rather than act on a forgery); and a
// *RefusedError when the chain refuses the enclave for good (its platform,
// measurement, version, ...). Anything else (an unreachable node, an
// operator without funds, a full mempool) is retried with a growing pause,
// each retry logging what it waits for.
func (w *Worker) Run(ctx context.Context) error {
	// Whatever stops the worker, keep what it verified and processed.
	defer func() {
		if err := w.save(); err != nil {
			w.log.Error("saving the checkpoint failed", "err", err)
		} else if lb := w.follower.Trusted(); lb != nil {
			w.log.Info("checkpoint saved", "height", lb.Height)
		}
		if err := w.Close(context.Background()); err != nil {
			w.log.Error("closing the contract state failed", "err", err)
		}
	}()
	if w.queryLn != nil {
		qctx, stop := context.WithCancel(ctx)
		defer stop()
		go w.serveQueries(qctx, w.queryLn)
	}
	if w.nodes != nil {
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		go w.nodes.watch(wctx)
	}
	// After a failure the pause doubles, up to maxRetryPause, so an
	// unreachable node or an operator out of funds is retried without
	// flooding the log.
	pause := w.cfg.Poll
	lied := 0 // rounds in a row in which a node served what does not verify
	for {
		if err := w.Round(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if w.nodeLied(err) && lied+1 < len(w.nodes.urls) {
				// That node is not trusted for it: the round goes again
				// on the next one. Only if every node lies in turn does
				// the worker stop.
				lied++
				w.log.Error("the node served data that does not verify; trying the next node", "node", w.nodes.Primary(), "err", err)
				w.nodes.switchFrom(w.nodes.current(), "served data that does not verify")
				pause = w.cfg.Poll
			} else {
				var refused *RefusedError
				var te *client.TxError
				if errors.As(err, &refused) || !isTransient(err) && !errors.As(err, &te) {
					return err
				}
				pause = min(2*pause, maxRetryPause)
				w.log.Warn(w.waitingFor(ctx, err), "retry_in", pause, "err", err)
			}
		} else {
			pause, lied = w.cfg.Poll, 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
	}
}

// maxRetryPause bounds the pause between failed rounds.
const maxRetryPause = 30 * time.Second

// nodeLied reports whether err is a node's header or proof that does not
// verify while other nodes can be asked: not an expired trust root (no
// node can fix that) and not a conflicting header, which takes a part of
// the validators signing two histories and stops the worker.
func (w *Worker) nodeLied(err error) bool {
	return w.nodes != nil && len(w.nodes.urls) > 1 && !errors.Is(err, follow.ErrTrustExpired) &&
		(errors.Is(err, follow.ErrVerification) || errors.Is(err, follow.ErrBadProof))
}

// isTransient reports whether err is a connection problem worth retrying
// rather than a verification failure or a conflicting header, which stop
// the worker.
func isTransient(err error) bool {
	return !errors.Is(err, follow.ErrVerification) && !errors.Is(err, follow.ErrBadProof) && !errors.Is(err, follow.ErrConflict) &&
		!errors.Is(err, ErrMessage) && !errors.Is(err, ErrCheckpoint) && !errors.Is(err, ErrChainMismatch)
}

// Round does one round of Run.
func (w *Worker) Round(ctx context.Context) error {
	var each func(*types.LightBlock) error
	if w.cfg.Progress != nil {
		if st, err := w.rpc.Status(ctx); err == nil {
			target := st.SyncInfo.LatestBlockHeight
			each = func(lb *types.LightBlock) error {
				w.cfg.Progress(lb.Height, target)
				return nil
			}
		}
	}
	if err := w.follower.Sync(ctx, 0, each); err != nil {
		return err
	}
	lb := w.follower.Trusted()
	if lb == nil || lb.Height < 2 {
		return nil // no state to prove yet
	}
	w.metrics.height.Set(float64(lb.Height))
	if err := w.ensureRegistered(ctx, lb); err != nil {
		return err
	}
	if err := w.processMessages(ctx); err != nil {
		return err
	}
	if w.contracts != nil {
		if err := w.answerChallenge(ctx); err != nil {
			return err
		}
		if err := w.executeCommands(ctx); err != nil {
			return err
		}
	}
	return w.save()
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

func (w *Worker) save() error {
	lb := w.follower.Trusted()
	if lb == nil {
		return nil
	}
	raw, err := follow.EncodeCheckpoint(lb)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.cp.LightBlock = raw
	cp := w.cp
	w.mu.Unlock()
	if err := saveCheckpoint(w.enc, w.cfg.Home, cp); err != nil {
		return err
	}
	w.consumed = cp.Processed
	return nil
}

// prove reads a state key, proven against the last verified header.
func (w *Worker) prove(ctx context.Context, key []byte) ([]byte, error) {
	v, _, err := w.follower.Prove(ctx, key)
	return v, err
}

// processMessages handles, in order, the chain's messages to the enclave
// that it has not handled yet.
func (w *Worker) processMessages(ctx context.Context) error {
	id := w.enc.Identity()
	raw, err := w.prove(ctx, mq.EgressCountKey(id))
	if err != nil {
		return err
	}
	count, err := mq.DecodeCount(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMessage, err)
	}
	w.metrics.backlog.Set(float64(count - min(count, w.cp.Processed)))
	var out []enclave.Outgoing
	for seq := w.cp.Processed; seq < count; seq++ {
		raw, err := w.prove(ctx, mq.EgressKey(id, seq))
		if err != nil {
			return err
		}
		if raw == nil {
			// The chain deletes what a recipient's saved checkpoint has
			// consumed; a checkpoint behind that was lost or rolled back,
			// and what those messages carried cannot be had again.
			if c, err := w.prove(ctx, mq.ConsumedKey(id)); err == nil {
				if done, err := mq.DecodeCount(c); err == nil && seq < done {
					return fmt.Errorf("%w: message %d was deleted by the chain, which records %d of this enclave's messages as handled, but this worker's checkpoint has handled only %d: its data was lost or rolled back, and it cannot rejoin under this identity; start a new worker with a fresh --home",
						ErrMessage, seq, done, w.cp.Processed)
				}
			}
			return fmt.Errorf("%w: message %d of %d is missing from the state", ErrMessage, seq, count)
		}
		m, err := mq.DecodeMessage(raw)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMessage, err)
		}
		if m.Seq != seq {
			return fmt.Errorf("%w: message stored at %d says it is %d", ErrMessage, seq, m.Seq)
		}
		msgs, err := w.enc.Handle(w.inbox(), m)
		if err != nil {
			return err
		}
		out = append(out, msgs...)
	}
	// The enclave's answers go out before the messages count as
	// processed: after a failure they are worked out again (each handler
	// is idempotent) and sent next round.
	if err := w.postAll(ctx, out); err != nil {
		return err
	}
	w.mu.Lock()
	w.cp.Processed = count
	w.mu.Unlock()
	w.metrics.backlog.Set(0)
	return nil
}

// inbox is what the enclave is told with the chain's messages.
func (w *Worker) inbox() enclave.Inbox {
	return enclave.Inbox{ChainID: w.chainID, Role: w.cfg.Role, Height: w.follower.Trusted().Height, BenchmarkSpan: w.cfg.BenchmarkSpan, Log: w.log}
}

// postAll signs msgs in the enclave and has the operator carry them to
// the chain in one transaction. If the chain refuses that transaction,
// the messages go one by one and those refused are dropped (and logged),
// so one message the chain no longer wants cannot block the others.
func (w *Worker) postAll(ctx context.Context, msgs []enclave.Outgoing) error {
	if len(msgs) == 0 {
		return nil
	}
	// A refusal of the moment (the operator's funds, its nonce) is not
	// the messages' fault: the round fails and they go again later.
	refusedForContent := func(err error) bool {
		var te *client.TxError
		return errors.As(err, &te) && !retryableRefusal(err)
	}
	err := w.post(ctx, msgs)
	if err == nil || !refusedForContent(err) || len(msgs) == 1 {
		if refusedForContent(err) {
			w.log.Warn("message refused by the chain; dropped", "topic", msgs[0].Topic, "err", err)
			return nil
		}
		return err
	}
	for _, m := range msgs {
		if err := w.post(ctx, []enclave.Outgoing{m}); err != nil {
			if !refusedForContent(err) {
				return err
			}
			w.log.Warn("message refused by the chain; dropped", "topic", m.Topic, "err", err)
		}
	}
	return nil
}

// post signs msgs with consecutive sequence numbers and submits them in
// one transaction paid by the operator.
func (w *Worker) post(ctx context.Context, msgs []enclave.Outgoing) error {
	if !w.seqKnown {
		raw, err := w.prove(ctx, mq.IngressSeqKey(w.enc.Identity()))
		if err != nil {
			return err
		}
		if w.nextSeq, err = mq.DecodeCount(raw); err != nil {
			return fmt.Errorf("%w: %v", ErrMessage, err)
		}
		w.seqKnown = true
	}
	out := make([]module.Msg, len(msgs))
	gas, size := uint64(100_000), 0
	for i, m := range msgs {
		out[i] = w.enc.PostConsumed(w.chainID, w.nextSeq+uint64(i), w.consumed, m.Topic, m.Payload)
		size += len(m.Payload)
		gas += 300_000
	}
	gas += 40 * uint64(size)
	_, err := w.submit(ctx, out, client.TxOptions{GasLimit: gas})
	if err != nil {
		if errors.Is(err, mq.ErrBadSequence) {
			w.seqKnown = false // someone relayed them already, or the view was stale
		}
		return &txFailure{op: fmt.Sprintf("post %d message(s), first %s", len(msgs), msgs[0].Topic), purpose: "this message transaction", gasLimit: gas, err: err}
	}
	w.nextSeq += uint64(len(msgs))
	return nil
}

// ensureRegistered registers the enclave if the chain has no record of
// it, or refreshes a record made by an older version.
func (w *Worker) ensureRegistered(ctx context.Context, lb *types.LightBlock) error {
	key := registry.WorkerKey(w.enc.Identity())
	if w.cfg.Role == registry.RoleGatekeeper {
		key = registry.GatekeeperKey(w.enc.Identity())
	}
	raw, err := w.prove(ctx, key)
	if err != nil {
		return err
	}
	if raw != nil {
		rec, err := registry.DecodeEnclave(raw)
		if err != nil {
			return fmt.Errorf("%w: enclave record: %v", ErrMessage, err)
		}
		if rec.Version == enclave.Version {
			w.markRegistered()
			return nil
		}
	}
	// A registration sent in an earlier round may not be visible yet in
	// the proven state, which lags the chain by a block.
	if w.registerAt > 0 && lb.Height <= w.registerAt+2 {
		return nil
	}
	reg, err := w.enc.Registration(ctx, w.cfg.Role, w.chainID, w.cfg.Operator.Public().Address(), lb.Time)
	if err != nil {
		return err
	}
	w.log.Info("registering the enclave", "role", w.cfg.Role, "operator", w.cfg.Operator.Public().Address(), "platform", reg.Evidence.Platform)
	var msg module.Msg = &registry.MsgRegisterWorker{Registration: reg}
	if w.cfg.Role == registry.RoleGatekeeper {
		msg = &registry.MsgRegisterGatekeeper{Registration: reg}
	}
	res, err := w.submit(ctx, []module.Msg{msg}, client.TxOptions{GasLimit: RegisterGas})
	if err != nil {
		if r := refusal(err); r != nil {
			return r
		}
		return &txFailure{op: "register", purpose: "a registration", gasLimit: RegisterGas, err: err}
	}
	w.registerAt = res.Height
	return nil
}

// RegisterGas is the gas limit of a registration: the attestation check
// plus the transaction's bytes.
const RegisterGas = 3_000_000

func (w *Worker) markRegistered() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.registered {
		w.registered = true
		close(w.regCh)
	}
}
