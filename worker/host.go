package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker/follow"
)

// Host is the loop a host runs around its enclave, the same for a
// worker (Worker) and a gatekeeper's key manager (KeyManager): it
// follows the chain by light client, registers the enclave, hands the
// enclave the chain's messages to it and submits what the enclave
// answers, keeps the sealed checkpoint, and retries what fails. What
// differs between the two is its role and its part.
type Host struct {
	cfg       Config
	log       *slog.Logger
	enc       *enclave.Enclave
	rpc       rpcclient.Client
	nodes     *nodes // nil with Config.RPC
	client    *client.Client
	follower  *follow.Follower
	chainID   string
	metrics   *metrics
	role      role
	part      part
	closeOnce sync.Once

	mu         sync.Mutex
	cp         checkpoint
	registered bool
	registerAt int64 // height of the last registration attempt
	nextSeq    uint64
	seqKnown   bool
	regCh      chan struct{} // closed once the chain confirmed the registration

	// consumed is cp.Processed as last saved: the messages the enclave
	// would not need again after a crash, which its posts report to the
	// chain so that it deletes them.
	consumed uint64
}

// role is what a host's enclave registers as.
type role struct {
	kind registry.Role
	// account names, for the log, the account that pays.
	account   string
	recordKey func(crypto.PublicKey) []byte
	register  func(registry.Registration) module.Msg
}

var (
	workerRole = role{kind: registry.RoleWorker, account: "operator", recordKey: registry.WorkerKey,
		register: func(r registry.Registration) module.Msg { return &registry.MsgRegisterWorker{Registration: r} }}
	gatekeeperRole = role{kind: registry.RoleGatekeeper, account: "validator account", recordKey: registry.GatekeeperKey,
		register: func(r registry.Registration) module.Msg { return &registry.MsgRegisterGatekeeper{Registration: r} }}
)

// part is what a host does beside the shared loop; each hook may be nil.
type part struct {
	serve func(ctx context.Context)       // runs while Run does (a worker's query API)
	round func(ctx context.Context) error // each round, after the chain's messages
	close func(ctx context.Context) error // when the host closes
}

// newHost opens the enclave on its platform (creating and sealing keys
// on first start) and the checkpoint, and connects to the node. It does
// not touch the chain yet beyond reading its genesis.
func newHost(ctx context.Context, cfg Config, r role) (*Host, error) {
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.Home, 0o700); err != nil {
		return nil, err
	}
	// Warned before the enclave opens, so that the warning comes first,
	// before what the platform logs of its own.
	if tee.Insecure(cfg.Platform) {
		cfg.Log.Warn(tee.SimWarning)
	}
	h := &Host{cfg: cfg, log: cfg.Log, role: r, regCh: make(chan struct{})}
	var err error
	if releasedSealing(cfg, r) {
		// The sealing root comes through the chain, so the node comes
		// first.
		if err := h.connect(ctx); err != nil {
			return nil, err
		}
		if h.enc, err = h.openReleased(ctx); err != nil {
			return nil, err
		}
	} else {
		if h.enc, err = h.openEnclave(); err != nil {
			return nil, err
		}
		if err := h.connect(ctx); err != nil {
			return nil, err
		}
	}
	if err := h.enc.OpenSecrets(cfg.Home); err != nil {
		return nil, err
	}
	h.log = cfg.Log.With("worker", h.enc.Identity().String()[:12])
	h.metrics = newMetrics(h.enc.PlatformName(), !h.enc.Secure())
	if err := h.follow(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// openEnclave opens the enclave on its TEE platform. The enclave opens
// the platform: the host only names it.
func (h *Host) openEnclave() (*enclave.Enclave, error) {
	opts := h.cfg.TEE
	opts.Released = false // a gatekeeper's enclave keeps its platform's sealing
	e, created, err := enclave.Open(h.cfg.Platform, opts, h.cfg.Home)
	if err != nil {
		return nil, err
	}
	h.logOpened(e, created)
	return e, nil
}

func (h *Host) logOpened(e *enclave.Enclave, created bool) {
	log := h.cfg.Log.With("worker", e.Identity().String()[:12])
	if created {
		log.Info("enclave keys created and sealed", "identity", e.Identity(), "platform", e.PlatformName())
	} else {
		log.Info("enclave keys unsealed", "identity", e.Identity(), "platform", e.PlatformName())
	}
}

// connect sets up the RPC client: Config.RPC, or the failover set of
// Config.Nodes, whose best node it picks first.
func (h *Host) connect(ctx context.Context) error {
	h.rpc = h.cfg.RPC
	if h.rpc == nil {
		var err error
		if h.nodes, err = newNodes(h.cfg.Nodes, h.cfg.NodeTimeout, h.cfg.StallAfter, h.log); err != nil {
			return err
		}
		if len(h.nodes.urls) > 1 {
			h.nodes.choose(ctx)
		}
		h.rpc = h.nodes.rpc
	}
	h.client = client.FromRPC(h.rpc)
	return nil
}

// follow loads the checkpoint, checks it follows the node's chain, and
// sets up the light client from it (or from the root of trust).
func (h *Host) follow(ctx context.Context) error {
	cp, lb, err := loadCheckpoint(h.enc, h.cfg.Home)
	if err != nil {
		return err
	}
	gen, err := h.genesis(ctx)
	if err != nil {
		return err
	}
	if cp.ChainID != "" && cp.ChainID != gen.ChainID {
		return fmt.Errorf("%w: checkpoint follows %q, node serves %q", ErrChainMismatch, cp.ChainID, gen.ChainID)
	}
	h.chainID, cp.ChainID = gen.ChainID, gen.ChainID
	h.cp, h.consumed = cp, cp.Processed
	fopts := h.followOptions(gen)
	switch {
	case h.nodes != nil && len(h.nodes.urls) > 1:
		h.log.Info("following the chain", "primary", h.nodes.Primary(), "witnesses", len(h.nodes.urls)-1, "nodes", h.nodes.String())
	case h.nodes != nil:
		h.log.Info("no witness: following one node; give several gatekeepers so that none is depended on", "node", h.nodeName())
	}
	if h.follower, err = follow.New(h.rpc, fopts, lb); err != nil {
		return err
	}
	if lb != nil {
		h.log.Info("resuming from checkpoint", "height", lb.Height, "processed_messages", cp.Processed)
	}
	return nil
}

// genesis returns the chain's genesis: Config.Genesis, or the node's.
func (h *Host) genesis(ctx context.Context) (*types.GenesisDoc, error) {
	if h.cfg.Genesis != nil {
		return h.cfg.Genesis, nil
	}
	res, err := h.rpc.Genesis(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetch genesis from %s: %w", h.nodeName(), err)
	}
	return res.Genesis, nil
}

// followOptions are the light client's options: the root of trust, and
// the other nodes as witnesses.
func (h *Host) followOptions(gen *types.GenesisDoc) follow.Options {
	fopts := follow.Options{ChainID: gen.ChainID, Genesis: gen, Log: h.cfg.Log, TrustedHeight: h.cfg.TrustedHeight, TrustedHash: h.cfg.TrustedHash}
	if h.nodes != nil && len(h.nodes.urls) > 1 {
		fopts.Witnesses = h.nodes.providers(gen.ChainID)
	}
	return fopts
}

// nodeName names the primary node for messages.
func (h *Host) nodeName() string {
	if h.nodes != nil {
		return h.nodes.Primary()
	}
	return "the node"
}

// Close releases what the host's part holds (a worker's contract state
// and query listener); Run does it when it returns.
func (h *Host) Close(ctx context.Context) error {
	var err error
	h.closeOnce.Do(func() {
		if h.part.close != nil {
			err = h.part.close(ctx)
		}
	})
	return err
}

// Identity returns the enclave's identity key: the worker's id.
func (h *Host) Identity() crypto.PublicKey { return h.enc.Identity() }

// Status returns the worker's state.
func (h *Host) Status() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := Status{Identity: h.enc.Identity(), Operator: h.cfg.Operator.Public().Address(), Platform: h.enc.PlatformName(),
		Insecure: !h.enc.Secure(), ChainID: h.chainID, Registered: h.registered, Processed: h.cp.Processed}
	if s.Insecure {
		s.Warning = tee.SimWarning
	}
	if lb := h.follower.Trusted(); lb != nil {
		s.Height = lb.Height
	}
	return s
}

// Registered is closed once the worker has seen its registration on chain.
func (h *Host) Registered() <-chan struct{} { return h.regCh }

// Run follows the chain until ctx ends: each round verifies the new
// headers, registers the enclave if the chain does not know it, handles
// the new messages to the enclave, and saves the checkpoint. It returns
// nil when ctx ends; an error when the node serves something that does
// not verify (a worker stops rather than act on a forgery); and a
// *RefusedError when the chain refuses the enclave for good (its platform,
// measurement, version, ...). Anything else (an unreachable node, an
// operator without funds, a full mempool) is retried with a growing pause,
// each retry logging what it waits for.
func (h *Host) Run(ctx context.Context) error {
	// Whatever stops the worker, keep what it verified and processed;
	// deferred first, it runs after the background work has been told
	// to stop.
	defer h.saveAndClose()
	stop := h.startBackground(ctx)
	defer stop()
	return h.loop(ctx)
}

// saveAndClose saves the checkpoint and closes the host's part, when Run
// returns.
func (h *Host) saveAndClose() {
	if err := h.save(); err != nil {
		h.log.Error("saving the checkpoint failed", "err", err)
	} else if lb := h.follower.Trusted(); lb != nil {
		h.log.Info("checkpoint saved", "height", lb.Height)
	}
	if err := h.Close(context.Background()); err != nil {
		h.log.Error("closing the contract state failed", "err", err)
	}
}

// startBackground starts what runs beside the rounds while Run does: the
// part's server (a worker's query API) and, with several nodes, the
// watch on them. stop ends both.
func (h *Host) startBackground(ctx context.Context) (stop func()) {
	bctx, stop := context.WithCancel(ctx)
	if h.part.serve != nil {
		go h.part.serve(bctx)
	}
	if h.nodes != nil {
		go h.nodes.watch(bctx)
	}
	return stop
}

// backoff is what the loop remembers of the rounds that failed.
type backoff struct {
	// pause is how long the loop waits before the next round. After a
	// failure it doubles, up to maxRetryPause, so an unreachable node or
	// an operator out of funds is retried without flooding the log.
	pause time.Duration
	// lied counts the rounds in a row in which a node served what does
	// not verify.
	lied int
}

// loop runs rounds until ctx ends (nil) or a round fails for good (its
// error), pausing between them.
func (h *Host) loop(ctx context.Context) error {
	b := backoff{pause: h.cfg.Poll}
	for {
		if err := h.Round(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if err := h.roundFailed(ctx, err, &b); err != nil {
				return err
			}
		} else {
			b = backoff{pause: h.cfg.Poll}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(b.pause):
		}
	}
}

// roundFailed decides what follows a round that failed with err: the
// round again on the next node, the round again after a longer pause, or
// the end of Run, with the error it returns.
func (h *Host) roundFailed(ctx context.Context, err error, b *backoff) error {
	if h.nodeLied(err) && b.lied+1 < len(h.nodes.urls) {
		// That node is not trusted for it: the round goes again on the
		// next one. Only if every node lies in turn does the worker stop.
		b.lied++
		h.log.Error("the node served data that does not verify; trying the next node", "node", h.nodes.Primary(), "err", err)
		h.nodes.switchFrom(h.nodes.current(), "served data that does not verify")
		b.pause = h.cfg.Poll
		return nil
	}
	var refused *RefusedError
	var te *client.TxError
	if errors.As(err, &refused) || !isTransient(err) && !errors.As(err, &te) {
		return err
	}
	b.pause = min(2*b.pause, maxRetryPause)
	h.log.Warn(h.waitingFor(ctx, err), "retry_in", b.pause, "err", err)
	return nil
}

// maxRetryPause bounds the pause between failed rounds.
const maxRetryPause = 30 * time.Second

// nodeLied reports whether err is a node's header or proof that does not
// verify while other nodes can be asked: not an expired trust root (no
// node can fix that) and not a conflicting header, which takes a part of
// the validators signing two histories and stops the worker.
func (h *Host) nodeLied(err error) bool {
	return h.nodes != nil && len(h.nodes.urls) > 1 && !errors.Is(err, follow.ErrTrustExpired) &&
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
func (h *Host) Round(ctx context.Context) error {
	var each func(*types.LightBlock) error
	if h.cfg.Progress != nil {
		if st, err := h.rpc.Status(ctx); err == nil {
			target := st.SyncInfo.LatestBlockHeight
			each = func(lb *types.LightBlock) error {
				h.cfg.Progress(lb.Height, target)
				return nil
			}
		}
	}
	if err := h.follower.Sync(ctx, 0, each); err != nil {
		return err
	}
	lb := h.follower.Trusted()
	if lb == nil || lb.Height < 2 {
		return nil // no state to prove yet
	}
	h.metrics.height.Set(float64(lb.Height))
	if err := h.ensureRegistered(ctx, lb); err != nil {
		return err
	}
	if err := h.processMessages(ctx); err != nil {
		return err
	}
	if h.part.round != nil {
		if err := h.part.round(ctx); err != nil {
			return err
		}
	}
	return h.save()
}

func (h *Host) save() error {
	lb := h.follower.Trusted()
	if lb == nil {
		return nil
	}
	raw, err := follow.EncodeCheckpoint(lb)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.cp.LightBlock = raw
	cp := h.cp
	h.mu.Unlock()
	if err := saveCheckpoint(h.enc, h.cfg.Home, cp); err != nil {
		return err
	}
	h.consumed = cp.Processed
	return nil
}

// prove reads a state key, proven against the last verified header.
func (h *Host) prove(ctx context.Context, key []byte) ([]byte, error) {
	v, _, err := h.follower.Prove(ctx, key)
	return v, err
}

// processMessages handles, in order, the chain's messages to the enclave
// that it has not handled yet.
func (h *Host) processMessages(ctx context.Context) error {
	id := h.enc.Identity()
	raw, err := h.prove(ctx, mq.EgressCountKey(id))
	if err != nil {
		return err
	}
	count, err := mq.DecodeCount(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMessage, err)
	}
	h.metrics.backlog.Set(float64(count - min(count, h.cp.Processed)))
	var out []enclave.Outgoing
	for seq := h.cp.Processed; seq < count; seq++ {
		m, err := h.message(ctx, seq, count)
		if err != nil {
			return err
		}
		msgs, err := h.enc.Handle(h.inbox(), m)
		if err != nil {
			return err
		}
		out = append(out, msgs...)
	}
	// The enclave's answers go out before the messages count as
	// processed: after a failure they are worked out again (each handler
	// is idempotent) and sent next round.
	if err := h.postAll(ctx, out); err != nil {
		return err
	}
	h.mu.Lock()
	h.cp.Processed = count
	h.mu.Unlock()
	h.metrics.backlog.Set(0)
	return nil
}

// message reads the chain's message seq (of count) to the enclave,
// proven.
func (h *Host) message(ctx context.Context, seq, count uint64) (mq.Message, error) {
	id := h.enc.Identity()
	raw, err := h.prove(ctx, mq.EgressKey(id, seq))
	if err != nil {
		return mq.Message{}, err
	}
	if raw == nil {
		// The chain deletes what a recipient's saved checkpoint has
		// consumed; a checkpoint behind that was lost or rolled back,
		// and what those messages carried cannot be had again.
		if c, err := h.prove(ctx, mq.ConsumedKey(id)); err == nil {
			if done, err := mq.DecodeCount(c); err == nil && seq < done {
				return mq.Message{}, fmt.Errorf("%w: message %d was deleted by the chain, which records %d of this enclave's messages as handled, but this worker's checkpoint has handled only %d: its data was lost or rolled back, and it cannot rejoin under this identity; start a new worker with a fresh --home",
					ErrMessage, seq, done, h.cp.Processed)
			}
		}
		return mq.Message{}, fmt.Errorf("%w: message %d of %d is missing from the state", ErrMessage, seq, count)
	}
	m, err := mq.DecodeMessage(raw)
	if err != nil {
		return mq.Message{}, fmt.Errorf("%w: %v", ErrMessage, err)
	}
	if m.Seq != seq {
		return mq.Message{}, fmt.Errorf("%w: message stored at %d says it is %d", ErrMessage, seq, m.Seq)
	}
	return m, nil
}

// inbox is what the enclave is told with the chain's messages.
func (h *Host) inbox() enclave.Inbox {
	return enclave.Inbox{ChainID: h.chainID, Role: h.role.kind, Height: h.follower.Trusted().Height, BenchmarkSpan: h.cfg.BenchmarkSpan, Log: h.log}
}

// postAll signs msgs in the enclave and has the operator carry them to
// the chain in one transaction. If the chain refuses that transaction,
// the messages go one by one and those refused are dropped (and logged),
// so one message the chain no longer wants cannot block the others.
func (h *Host) postAll(ctx context.Context, msgs []enclave.Outgoing) error {
	if len(msgs) == 0 {
		return nil
	}
	// A refusal of the moment (the operator's funds, its nonce) is not
	// the messages' fault: the round fails and they go again later.
	refusedForContent := func(err error) bool {
		var te *client.TxError
		return errors.As(err, &te) && !retryableRefusal(err)
	}
	err := h.post(ctx, msgs)
	if err == nil || !refusedForContent(err) || len(msgs) == 1 {
		if refusedForContent(err) {
			h.log.Warn("message refused by the chain; dropped", "topic", msgs[0].Topic, "err", err)
			return nil
		}
		return err
	}
	for _, m := range msgs {
		if err := h.post(ctx, []enclave.Outgoing{m}); err != nil {
			if !refusedForContent(err) {
				return err
			}
			h.log.Warn("message refused by the chain; dropped", "topic", m.Topic, "err", err)
		}
	}
	return nil
}

// maxPostGas bounds the gas limit of a message transaction.
const maxPostGas = 20_000_000

// post signs msgs with consecutive sequence numbers and submits them in
// one transaction paid by the operator.
func (h *Host) post(ctx context.Context, msgs []enclave.Outgoing) error {
	if !h.seqKnown {
		raw, err := h.prove(ctx, mq.IngressSeqKey(h.enc.Identity()))
		if err != nil {
			return err
		}
		if h.nextSeq, err = mq.DecodeCount(raw); err != nil {
			return fmt.Errorf("%w: %v", ErrMessage, err)
		}
		h.seqKnown = true
	}
	out := make([]module.Msg, len(msgs))
	gas, size := uint64(100_000), 0
	for i, m := range msgs {
		out[i] = h.enc.PostConsumed(h.chainID, h.nextSeq+uint64(i), h.consumed, m.Topic, m.Payload)
		size += len(m.Payload)
		gas += 300_000
	}
	gas += 40 * uint64(size)
	// The limit is an estimate: a result that settles a command costs
	// more than one that only records a vote. Out of gas is the limit's
	// fault, not the messages': they go again, with four times the limit,
	// up to maxPostGas (the unused part of a limit is refunded).
	_, err := h.submit(ctx, out, client.TxOptions{GasLimit: gas})
	for errors.Is(err, module.ErrOutOfGas) && gas < maxPostGas {
		gas = min(4*gas, maxPostGas)
		h.log.Info("messages ran out of gas; posting them again with a higher limit", "first", msgs[0].Topic, "gas_limit", gas)
		_, err = h.submit(ctx, out, client.TxOptions{GasLimit: gas})
	}
	if err != nil {
		if errors.Is(err, mq.ErrBadSequence) {
			h.seqKnown = false // someone relayed them already, or the view was stale
		}
		return &txFailure{op: fmt.Sprintf("post %d message(s), first %s", len(msgs), msgs[0].Topic), purpose: "this message transaction", gasLimit: gas, err: err}
	}
	h.nextSeq += uint64(len(msgs))
	return nil
}

// ensureRegistered registers the enclave if the chain has no record of
// it, or refreshes a record made by an older version.
func (h *Host) ensureRegistered(ctx context.Context, lb *types.LightBlock) error {
	raw, err := h.prove(ctx, h.role.recordKey(h.enc.Identity()))
	if err != nil {
		return err
	}
	if raw != nil {
		rec, err := registry.DecodeEnclave(raw)
		if err != nil {
			return fmt.Errorf("%w: enclave record: %v", ErrMessage, err)
		}
		if rec.Version == enclave.Version {
			if rec.InStanding() {
				h.markRegistered()
			}
			if !refreshDue(rec, lb.Time) {
				return nil
			}
		}
	}
	// A registration sent in an earlier round may not be visible yet in
	// the proven state, which lags the chain by a block.
	if h.registerAt > 0 && lb.Height <= h.registerAt+2 {
		return nil
	}
	reg, err := h.enc.Registration(ctx, h.role.kind, h.chainID, h.cfg.Operator.Public().Address(), lb.Time)
	if err != nil {
		return err
	}
	h.keepCollateral(ctx, reg.Evidence, lb.Time)
	h.log.Info("registering the enclave", "role", h.role.kind, "operator", h.cfg.Operator.Public().Address(), "platform", reg.Evidence.Platform)
	res, err := h.submit(ctx, []module.Msg{h.role.register(reg)}, client.TxOptions{GasLimit: RegisterGas})
	if err != nil {
		if r := refusal(err); r != nil {
			return r
		}
		return &txFailure{op: "register", purpose: "a registration", gasLimit: RegisterGas, err: err}
	}
	h.registerAt = res.Height
	return nil
}

// RegisterGas is the gas limit of a registration: the attestation check
// plus the transaction's bytes.
const RegisterGas = 3_000_000

func (h *Host) markRegistered() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.registered {
		h.registered = true
		close(h.regCh)
	}
}
