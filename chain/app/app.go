package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	authkeeper "github.com/phalanx-net/phalanx/chain/modules/auth/keeper"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	stakingkeeper "github.com/phalanx-net/phalanx/chain/modules/staking/keeper"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

// Version is the application protocol version reported to CometBFT.
const Version uint64 = 1

var chainIDKey = []byte("app/chain_id")

// Options configure an App.
type Options struct {
	// Dir is where the state database lives.
	Dir string
	// Tree tunes the state store.
	Tree statedb.Options
	// Log receives the application's logs; nil discards them.
	Log *slog.Logger
	// SigCache remembers verified transaction signatures; nil uses the
	// process-wide cache.
	SigCache *tx.SigCache
	// Verifier verifies the signatures of incoming transactions; nil uses
	// the process-wide batching verifier.
	Verifier *crypto.BatchingVerifier
	// Metrics, if set, receives the application's metrics.
	Metrics *Metrics
	// Retention says which blocks CometBFT may prune.
	Retention Retention
	// Snapshots configures the state sync snapshots the app takes and
	// serves; the zero value takes none.
	Snapshots SnapshotOptions
	// Upgrades are the upgrades the node implements; nil is the
	// binary's own (KnownUpgrades).
	Upgrades map[string]Migration
}

// App is the Phalanx ABCI application.
//
// Concurrency: CometBFT serializes the consensus calls (InitChain,
// FinalizeBlock, Commit) but, with the consensus-synchronized local client
// the node uses, lets mempool and query calls run concurrently with them
// and with each other. mu serializes everything that touches the state;
// the one piece of work done outside it is CheckTx's signature check, a
// pure function of the transaction bytes, so that signatures of incoming
// transactions are verified on every core while blocks are executed.
type App struct {
	abci.BaseApplication
	mu sync.Mutex

	log      *slog.Logger
	dir      string
	tree     *statedb.Tree
	sigs     *tx.SigCache
	verifier *crypto.BatchingVerifier
	modules  *module.Manager
	router   *module.Router
	auth     authkeeper.Keeper // the fees and nonces of every transaction
	bank     bankkeeper.Keeper

	chainID string
	// blockTime is the last committed block's time: mempool checks run
	// "at" it, as attestation checks need a time and may not use a clock.
	blockTime time.Time
	closed    bool        // after Close, every call fails with ErrClosed
	params    auth.Params // as of the last commit
	check     *store.Cache
	// halted, once set, stops every block and transaction; haltCh is
	// closed then, so that the node stops (Halted).
	halted   error
	haltCh   chan struct{}
	upgrades map[string]Migration

	retention Retention
	// firstBlock is the first height whose block this node has: 1, or
	// the height after the snapshot it was restored from (file
	// restoredFile), below which CometBFT refuses a retain height.
	firstBlock int64
	snaps      *snapshots // nil: snapshots off
	restore    *restore   // the state sync restore under way, if any

	metrics      *Metrics // nil: none
	lastBlockTxs int
	committedTxs atomic.Int64 // transactions executed successfully, for benchmarks
	height       atomic.Int64 // last committed height, for other goroutines
}

var _ abci.Application = (*App)(nil)

// New opens the application's state under opts.Dir. If the state has
// committed blocks, it checks the supply invariant over the whole state
// before going on.
func New(opts Options) (*App, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.SigCache == nil {
		opts.SigCache = tx.SharedSigCache()
	}
	if opts.Verifier == nil {
		opts.Verifier = crypto.SharedBatchingVerifier()
	}
	if opts.Tree == (statedb.Options{}) {
		opts.Tree = statedb.DefaultOptions()
	}
	tree, err := statedb.Open(opts.Dir, opts.Tree)
	if err != nil {
		return nil, err
	}
	if opts.Upgrades == nil {
		opts.Upgrades = KnownUpgrades()
	}
	a := &App{log: opts.Log, dir: opts.Dir, tree: tree, sigs: opts.SigCache, verifier: opts.Verifier, metrics: opts.Metrics, retention: opts.Retention,
		haltCh: make(chan struct{}), upgrades: opts.Upgrades}
	if a.snaps, err = openSnapshots(opts.Snapshots, opts.Log); err != nil {
		tree.Close()
		return nil, err
	}
	if a.firstBlock, err = readRestored(opts.Dir); err != nil {
		tree.Close()
		return nil, err
	}
	a.modules = NewModules()
	a.router = a.modules.Router()
	if tree.Version() > 0 {
		if err := a.loadCommitted(); err != nil {
			tree.Close()
			return nil, err
		}
		if err := a.modules.CheckState(tree); err != nil {
			tree.Close()
			return nil, fmt.Errorf("state at height %d: %w", tree.Version(), err)
		}
	}
	return a, nil
}

// Close closes the state database.
func (a *App) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	a.snaps.stop() // a snapshot being taken reads the tree
	if a.restore != nil {
		a.restore.imp.Close()
	}
	return a.tree.Close()
}

// CommittedTxs returns how many transactions this node executed
// successfully since it started.
func (a *App) CommittedTxs() int64 { return a.committedTxs.Load() }

// loadCommitted refreshes what the app keeps from the committed state: the
// chain id, the parameters, and a fresh check state.
func (a *App) loadCommitted() (err error) {
	defer recoverIO(&err)
	snap, err := a.tree.Snapshot(0)
	if err != nil {
		return err
	}
	a.chainID = string(snap.Get(chainIDKey))
	a.blockTime = decodeBlockTime(snap.Get(blockTimeKey))
	a.params = a.auth.Params(snap)
	a.check = store.NewCache(snap)
	a.height.Store(snap.Version())
	return nil
}

// recoverIO turns a state database failure, which readers report by
// panicking, into an error.
func recoverIO(err *error) {
	if r := recover(); r != nil {
		var ioErr *store.IOError
		if e, ok := r.(error); ok && errors.As(e, &ioErr) {
			*err = e
			return
		}
		panic(r)
	}
}

// Info tells CometBFT the last committed height and app hash, so it
// replays only the blocks the app has not applied.
func (a *App) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, ErrClosed
	}
	res := &abci.InfoResponse{Data: "phalanx", Version: "v1", AppVersion: Version, LastBlockHeight: a.tree.Version()}
	if res.LastBlockHeight > 0 {
		res.LastBlockAppHash = a.tree.Hash()
	}
	return res, nil
}

// InitChain writes the genesis state.
func (a *App) InitChain(_ context.Context, req *abci.InitChainRequest) (res *abci.InitChainResponse, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer recoverIO(&err)
	if a.closed {
		return nil, ErrClosed
	}
	if a.tree.Version() > 0 {
		return nil, fmt.Errorf("InitChain called on a state at height %d", a.tree.Version())
	}
	st, err := ParseAppState(req.AppStateBytes)
	if err != nil {
		return nil, err
	}
	if req.ChainId == "" || len(req.ChainId) > tx.MaxChainIDLen {
		return nil, ErrBadGenesis.Wrap("chain id %q must be 1 to %d bytes", req.ChainId, tx.MaxChainIDLen)
	}
	gen := store.NewCache(a.tree)
	gen.Set(chainIDKey, []byte(req.ChainId))
	validators, powers, err := validatorKeys(req.Validators)
	if err != nil {
		return nil, err
	}
	ctx := module.NewContext(gen, module.Block{ChainID: req.ChainId, Height: req.InitialHeight, Time: req.Time}, [20]byte{}, nil, a.log)
	if err := a.modules.InitGenesis(ctx, st, module.ChainGenesis{Validators: validators, Powers: powers}); err != nil {
		return nil, ErrBadGenesis.Wrap("%v", err)
	}
	gen.Set(blockTimeKey, encodeBlockTime(req.Time))
	gen.Write(a.tree)
	a.chainID = req.ChainId
	a.log.Info("genesis state written", "chain_id", req.ChainId, "supply", a.bank.Supply(a.tree).PHA(), "modules", len(a.modules.Modules()))
	return &abci.InitChainResponse{AppHash: a.tree.WorkingHash()}, nil
}

// CheckTx admits a transaction to the mempool if it would run now on top of
// the committed state and the transactions already admitted.
func (a *App) CheckTx(_ context.Context, req *abci.CheckTxRequest) (res *abci.CheckTxResponse, err error) {
	if req.Type == abci.CHECK_TX_TYPE_CHECK {
		a.verifyAhead(req.Tx)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	defer recoverIO(&err)
	if a.closed {
		// A refusal, not an error: CometBFT panics on a failed recheck.
		return checkResponse(txResult{err: ErrClosed}), nil
	}
	if a.halted != nil {
		return checkResponse(txResult{err: ErrHalted.Wrap("%v", a.halted)}), nil
	}
	if a.check == nil {
		return checkResponse(txResult{err: ErrNotReady}), nil
	}
	block := module.Block{ChainID: a.chainID, Height: a.tree.Version() + 1, Time: a.blockTime}
	m := modeCheck
	if req.Type == abci.CHECK_TX_TYPE_RECHECK {
		m = modeRecheck
	}
	r := a.runTx(m, a.check, block, a.params, req.Tx)
	a.metrics.checked(m == modeRecheck, r)
	return checkResponse(r), nil
}

// verifyAhead checks a new transaction's signature before CheckTx takes
// the state lock, and records a good one in the signature cache, where
// runTx finds it. Any other problem is left for runTx to report in its
// order of checks. Concurrent checks share the batching verifier, so under
// load their signatures are verified in batches.
func (a *App) verifyAhead(txBytes []byte) {
	h := tx.Hash(txBytes)
	if a.sigs.Verified(h) {
		return
	}
	d, err := a.decode(txBytes, h)
	if err != nil {
		return
	}
	sb, err := d.tx.SignBytes()
	if err == nil && a.verifier.Verify(d.tx.Body.Sender, tx.SigningContext, sb, d.tx.Signature) {
		a.sigs.Add(h)
	}
}

// verifyBatch checks, in one batch, the signatures of a block's
// transactions that the signature cache does not know (a node that missed
// them in its mempool, or replays blocks), and caches the good ones. The
// bad ones are found again, one by one, by runTx.
func (a *App) verifyBatch(txs [][]byte) {
	bv := crypto.NewBatchVerifier()
	var hashes [][32]byte
	for _, b := range txs {
		h := tx.Hash(b)
		if a.sigs.Verified(h) {
			continue
		}
		d, err := a.decode(b, h)
		if err != nil {
			continue
		}
		sb, err := d.tx.SignBytes()
		if err != nil {
			continue
		}
		bv.Add(d.tx.Body.Sender, tx.SigningContext, sb, d.tx.Signature)
		hashes = append(hashes, h)
	}
	for i, ok := range bv.Verify() {
		if ok {
			a.sigs.Add(hashes[i])
		}
	}
}

func checkResponse(r txResult) *abci.CheckTxResponse {
	e := r.exec()
	return &abci.CheckTxResponse{Code: e.Code, Codespace: e.Codespace, Log: e.Log, GasWanted: e.GasWanted, GasUsed: e.GasUsed}
}

// FinalizeBlock executes a block. It never panics: each transaction that
// fails gets its error code, and only a broken invariant or a failing
// database returns an error, which stops CometBFT from committing.
func (a *App) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (res *abci.FinalizeBlockResponse, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer recoverIO(&err)
	if a.closed {
		return nil, ErrClosed
	}
	if a.halted != nil {
		return nil, a.halted
	}
	block := module.Block{ChainID: a.chainID, Height: req.Height, Time: req.Time}
	blockState := store.NewCache(a.tree)
	if err := a.upgradeAt(blockState, block); err != nil {
		if errors.Is(err, ErrUpgradeNeeded) {
			a.log.Error(err.Error())
		} else {
			a.log.Error("UPGRADE FAILED: halting instead of executing this block", "height", req.Height, "err", err)
		}
		return nil, a.halt(err)
	}
	a.verifyBatch(req.Txs)
	params := a.auth.Params(blockState)
	blockState.Set(blockTimeKey, encodeBlockTime(req.Time))
	results := make([]*abci.ExecTxResult, len(req.Txs))
	ran := make([]txResult, len(req.Txs))
	ok := 0
	for i, txBytes := range req.Txs {
		r := a.runTx(modeDeliver, blockState, block, params, txBytes)
		ran[i] = r
		results[i] = r.exec()
		if r.err == nil {
			ok++
		}
	}
	endCtx := module.NewContext(blockState, block, crypto.Address{}, nil, a.log)
	votes := signers(blockState, req.DecidedLastCommit.Votes)
	info := module.EndBlockInfo{Hash: req.Hash, Votes: votes, Signed: len(req.DecidedLastCommit.Votes) > 0, DoubleSigners: doubleSigners(req.Misbehavior)}
	if err := a.modules.EndBlock(endCtx, info); err != nil {
		// The economics' arithmetic overflowed: a bug, not an input. The
		// block commits without the end-of-block work rather than halt.
		a.log.Error("end of block failed", "height", req.Height, "err", err)
	}
	if err := a.modules.CheckBlock(blockState, a.tree); err != nil {
		a.log.Error("INVARIANT VIOLATED: halting instead of committing this block", "height", req.Height, "err", err)
		return nil, a.halt(fmt.Errorf("height %d: %w", req.Height, err))
	}
	blockState.Write(a.tree)
	a.metrics.block(ran, endCtx.Events())
	a.lastBlockTxs = len(req.Txs)
	a.committedTxs.Add(int64(ok))
	return &abci.FinalizeBlockResponse{TxResults: results, Events: endCtx.Events(), ValidatorUpdates: abciValidatorUpdates(endCtx.ValidatorUpdates()),
		AppHash: a.tree.WorkingHash()}, nil
}

// Commit saves the block's state as a new version and resets the check
// state on top of it; CometBFT then rechecks the mempool against it.
func (a *App) Commit(context.Context, *abci.CommitRequest) (res *abci.CommitResponse, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer recoverIO(&err)
	if a.closed {
		return nil, ErrClosed
	}
	hash, version, err := a.tree.Commit()
	if err != nil {
		return nil, err
	}
	if err := a.loadCommitted(); err != nil {
		return nil, err
	}
	a.log.Info("block committed", "height", version, "txs", a.lastBlockTxs, "app_hash", fmt.Sprintf("%X", hash))
	if a.metrics != nil {
		a.metrics.committed(version, a.check, a.modules.Gauges())
	}
	if a.snaps.due(version) {
		if err := a.snaps.take(a.tree, version); err != nil {
			// A node without its snapshot is still a good validator.
			a.log.Error("state sync snapshot not taken", "height", version, "err", err)
		}
	}
	retain := a.retention.RetainHeight(version, a.snaps.span())
	if retain < a.firstBlock {
		retain = 0 // nothing to prune yet on a node restored from a snapshot
	}
	return &abci.CommitResponse{RetainHeight: retain}, nil
}

// halt stops the node's execution for good with err (a.mu held).
func (a *App) halt(err error) error {
	if a.halted == nil {
		a.halted = err
		close(a.haltCh)
	}
	return a.halted
}

// Halted is closed when the application halts: on a broken invariant, or
// at an upgrade the binary does not implement. HaltError then says why.
// The node stops on it: CometBFT's consensus stops at the failed block.
func (a *App) Halted() <-chan struct{} { return a.haltCh }

// HaltError returns why the application halted, or nil.
func (a *App) HaltError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.halted
}

// Height returns the last committed height. Other goroutines may call it.
func (a *App) Height() int64 { return a.height.Load() }

// signers are the validators that signed the last block, by the account
// their share of rewards goes to (their candidate's operator), with their
// voting power: an absent validator earns nothing for it.
func signers(r store.Reader, votes []abci.VoteInfo) []module.Vote {
	var out []module.Vote
	for _, v := range votes {
		if v.BlockIdFlag != cmttypes.BlockIDFlagCommit {
			continue
		}
		if acc, err := crypto.AddressFromBytes(v.Validator.Address); err == nil {
			out = append(out, module.Vote{Account: stakingkeeper.RewardAccount(r, acc), Validator: acc, Power: v.Validator.Power})
		}
	}
	return out
}

// doubleSigners are the validators CometBFT's evidence shows signing two
// blocks at one height, each once, in the evidence's order.
func doubleSigners(ms []abci.Misbehavior) []crypto.Address {
	var out []crypto.Address
	for _, m := range ms {
		if m.Type != abci.MISBEHAVIOR_TYPE_DUPLICATE_VOTE {
			continue
		}
		if acc, err := crypto.AddressFromBytes(m.Validator.Address); err == nil && !slices.Contains(out, acc) {
			out = append(out, acc)
		}
	}
	return out
}
