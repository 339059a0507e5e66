package executor

import (
	"context"
	"crypto/hpke"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/enclave/internal/sealeddb"
	"github.com/phalanx-net/phalanx/wasm"
)

// ErrOutOfOrder is returned for a command that is not the next one of its
// cluster's log.
var ErrOutOfOrder = errors.New("command out of order")

// Keys are the enclave's contract keys, derived from the cluster keys it
// holds. The enclave implements it; no host code can reach it.
type Keys interface {
	// Contract returns a contract's key pair of its cluster's key
	// generation gen and the randomness seed of its command seq.
	Contract(cluster uint64, gen uint32, contract [32]byte, seq uint64) (hpke.PrivateKey, [32]byte, error)
	// HasCluster reports whether the enclave holds a cluster's key.
	HasCluster(cluster uint64) bool
}

// Config configures an Executor.
type Config struct {
	ChainID string
	Keys    Keys
	// Identity is the enclave's identity (the fault-injection build
	// picks its liars by it).
	Identity crypto.PublicKey
	// DataKey seals the contract state; the enclave keeps it sealed.
	DataKey []byte
	// Dir holds the compiled-code cache.
	Dir string
	// Store is the host's store the sealed contract state lives in
	// (worker/hostdb on the worker's disk); the executor closes it.
	Store sealeddb.Backend
}

// CodeLoader returns a code's prepared module (from the chain, proven).
type CodeLoader func(ctx context.Context, hash contracts.Hash) ([]byte, error)

// Executor runs commands and queries.
type Executor struct {
	cfg    Config
	db     *sealeddb.DB
	engine *wasm.Engine

	mu    sync.Mutex
	codes map[contracts.Hash]*wasm.Code
}

// Open opens the executor's sealed store and runtime.
func Open(ctx context.Context, cfg Config) (*Executor, error) {
	if cfg.Store == nil {
		return nil, errors.New("executor: no store for the contract state")
	}
	db, err := sealeddb.Open(cfg.Store, cfg.DataKey)
	if err != nil {
		cfg.Store.Close()
		return nil, err
	}
	engine, err := wasm.NewEngine(ctx, wasm.Config{CacheDir: filepath.Join(cfg.Dir, "wasm-cache")})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Executor{cfg: cfg, db: db, engine: engine, codes: map[contracts.Hash]*wasm.Code{}}, nil
}

// Close closes the store and the runtime.
func (x *Executor) Close(ctx context.Context) error {
	x.engine.Close(ctx)
	return x.db.Close()
}

var meta = []byte("meta")

func progressKey(cluster uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("progress/"), cluster)
}

func pendingKey(cluster uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("pending/"), cluster)
}

func rootKey(contract contracts.Hash) []byte { return append([]byte("root/"), contract[:]...) }

func (x *Executor) getCBOR(key []byte, out any) (bool, error) {
	v, err := x.db.Get(meta, key)
	if err != nil || v == nil {
		return false, err
	}
	return true, codec.Unmarshal(v, out)
}

// Progress returns the sequence number of the next command to execute in
// a cluster.
func (x *Executor) Progress(cluster uint64) (uint64, error) {
	var n uint64
	_, err := x.getCBOR(progressKey(cluster), &n)
	return n, err
}

// Pending returns the results executed but not yet marked posted, in
// order.
func (x *Executor) Pending(cluster uint64) ([]contracts.ResultVote, error) {
	var p []contracts.ResultVote
	_, err := x.getCBOR(pendingKey(cluster), &p)
	return p, err
}

// MarkPosted drops the pending results up to and including seq.
func (x *Executor) MarkPosted(cluster, seq uint64) error {
	p, err := x.Pending(cluster)
	if err != nil {
		return err
	}
	keep := p[:0]
	for _, v := range p {
		if v.Seq > seq {
			keep = append(keep, v)
		}
	}
	b := x.db.NewBatch()
	b.Set(meta, pendingKey(cluster), codec.MustMarshal(keep))
	return b.Write()
}

// StateRoot returns a contract's current state root.
func (x *Executor) StateRoot(contract contracts.Hash) (contracts.Hash, bool, error) {
	var h contracts.Hash
	ok, err := x.getCBOR(rootKey(contract), &h)
	return h, ok, err
}

func (x *Executor) code(ctx context.Context, hash contracts.Hash, load CodeLoader) (*wasm.Code, error) {
	x.mu.Lock()
	c, ok := x.codes[hash]
	x.mu.Unlock()
	if ok {
		return c, nil
	}
	prepared, err := load(ctx, hash)
	if err != nil {
		return nil, err
	}
	c, err = x.engine.Load(ctx, hash, prepared)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	x.codes[hash] = c
	x.mu.Unlock()
	return c, nil
}

// Execute runs the next command of a cluster's log and records its
// outcome. An error means the executor could not run it (a failing disk,
// code it could not fetch): nothing is recorded and the command can be
// run again. Every outcome of the contract itself is a vote.
func (x *Executor) Execute(ctx context.Context, cmd contracts.Command, ct contracts.Contract, load CodeLoader) (contracts.ResultVote, error) {
	next, err := x.Progress(cmd.Cluster)
	if err != nil {
		return contracts.ResultVote{}, err
	}
	if cmd.Seq != next {
		return contracts.ResultVote{}, fmt.Errorf("%w: cluster %d: command %d, expected %d", ErrOutOfOrder, cmd.Cluster, cmd.Seq, next)
	}
	vote := contracts.ResultVote{Cluster: cmd.Cluster, Seq: cmd.Seq}
	b := x.db.NewBatch()
	switch cmd.Kind {
	case contracts.KindInstantiate:
		if err := x.instantiate(ctx, cmd, ct, load, &vote, b); err != nil {
			return vote, err
		}
	case contracts.KindCall:
		if err := x.call(ctx, cmd, ct, load, &vote, b); err != nil {
			return vote, err
		}
	case contracts.KindRekey:
		if err := x.rekey(cmd, ct, &vote); err != nil {
			return vote, err
		}
	default:
		return vote, fmt.Errorf("command kind %d unknown to this worker version", cmd.Kind)
	}
	x.tamper(cmd, &vote)
	pending, err := x.Pending(cmd.Cluster)
	if err != nil {
		return vote, err
	}
	b.Set(meta, pendingKey(cmd.Cluster), codec.MustMarshal(append(pending, vote)))
	b.Set(meta, progressKey(cmd.Cluster), codec.MustMarshal(cmd.Seq+1))
	return vote, b.Write()
}

// instantiate runs an instantiation into vote: the contract's
// initialization, which every worker runs alike, and on success the
// derivation of its key; a failure is the vote, with its reason.
func (x *Executor) instantiate(ctx context.Context, cmd contracts.Command, ct contracts.Contract, load CodeLoader, vote *contracts.ResultVote, b *sealeddb.Batch) error {
	vote.StateRoot = contracts.InitialStateRoot(ct.ID)
	code, err := x.code(ctx, ct.Code, load)
	if errors.Is(err, wasm.ErrInvalidModule) || errors.Is(err, wasm.ErrUnknownImport) || errors.Is(err, wasm.ErrNoSuchMethod) {
		vote.Status = contracts.StatusNoCode
		b.Set(meta, failedKey(ct.ID), codec.MustMarshal(failedInstance{Status: vote.Status}))
		return nil
	} else if err != nil {
		return err
	}
	// Not the worker's context: like a call, the initialization ends by
	// its gas, the same way on every worker, not by a shutdown.
	if err := x.engine.Initialize(context.Background(), code); err != nil {
		var ie *wasm.InitError
		if !errors.As(err, &ie) {
			return err
		}
		f := initFailure(ie)
		vote.Status, vote.Message = f.status, f.public
		b.Set(meta, failedKey(ct.ID), codec.MustMarshal(failedInstance{Status: vote.Status, Message: vote.Message}))
		return nil
	}
	k, _, err := x.cfg.Keys.Contract(cmd.Cluster, cmd.KeyGen, ct.ID, cmd.Seq)
	if err != nil {
		return err
	}
	vote.Output = k.PublicKey().Bytes()
	b.Set(meta, rootKey(ct.ID), codec.MustMarshal(vote.StateRoot))
	return nil
}

// rekey derives a contract's key of the command's generation, after a
// worker left its cluster: the output is its public key, the state root
// is the contract's, unchanged (so a rekey also checks that the workers
// left agree on the state). A contract whose instantiation failed here
// votes that failure again, as every worker does.
func (x *Executor) rekey(cmd contracts.Command, ct contracts.Contract, vote *contracts.ResultVote) error {
	root, ok, err := x.StateRoot(ct.ID)
	if err != nil {
		return err
	}
	if !ok {
		var f failedInstance
		failed, err := x.getCBOR(failedKey(ct.ID), &f)
		if err != nil {
			return err
		}
		if !failed {
			return fmt.Errorf("contract %s has no state root: its instantiation was not executed", ct.ID)
		}
		vote.StateRoot = contracts.InitialStateRoot(ct.ID)
		vote.Status, vote.Message = f.Status, f.Message
		return nil
	}
	k, _, err := x.cfg.Keys.Contract(cmd.Cluster, cmd.KeyGen, ct.ID, cmd.Seq)
	if err != nil {
		return err
	}
	vote.StateRoot, vote.Output = root, k.PublicKey().Bytes()
	return nil
}

// failedInstance is what a worker keeps of a contract whose
// instantiation failed, to answer its queries with the reason.
type failedInstance struct {
	Status  uint8  `cbor:"1,keyasint"`
	Message string `cbor:"2,keyasint,omitempty"`
}

func failedKey(contract contracts.Hash) []byte { return append([]byte("failed/"), contract[:]...) }

// call runs a call command into vote, with its state writes in b.
func (x *Executor) call(ctx context.Context, cmd contracts.Command, ct contracts.Contract, load CodeLoader, vote *contracts.ResultVote, b *sealeddb.Batch) error {
	root, ok, err := x.StateRoot(ct.ID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("contract %s has no state root: its instantiation was not executed", ct.ID)
	}
	vote.StateRoot = root
	key, seed, err := x.cfg.Keys.Contract(cmd.Cluster, cmd.KeyGen, ct.ID, cmd.Seq)
	if err != nil {
		return err
	}
	plain, resp, err := envelope.OpenRequest(key, contracts.SealInfo(x.cfg.ChainID, ct.ID, cmd.Caller), cmd.Input)
	if err != nil {
		vote.Status, vote.Message = contracts.StatusBadInput, "it does not decrypt with the contract's key for this caller"
		return nil
	}
	var in contracts.CallInput
	if err := codec.Unmarshal(plain, &in); err != nil {
		vote.Status, vote.Message = contracts.StatusBadInput, "it decrypts, but is not a call (a method and its arguments)"
		return nil
	}
	code, err := x.code(ctx, ct.Code, load)
	if err != nil {
		return err
	}
	h := &host{db: x.db, contract: ct.ID, caller: cmd.Caller, height: cmd.Height, time: time.Unix(0, cmd.Time).UTC(), seed: seed}
	res, err := x.engine.Call(context.Background(), code, h, in.Method, in.Args, cmd.GasLimit)
	vote.GasUsed = res.GasUsed
	switch {
	case err == nil:
		vote.Status = contracts.StatusOK
		vote.Output = resp.Seal(res.Output)
		writes := make([][]any, 0, len(res.Writes))
		for _, w := range res.Writes {
			if w.Delete {
				b.Delete(ct.ID[:], w.Key)
			} else {
				b.Set(ct.ID[:], w.Key, w.Value)
			}
			writes = append(writes, []any{w.Key, w.Value, w.Delete})
		}
		vote.StateRoot = contracts.NextStateRoot(root, codec.MustMarshal(writes))
		b.Set(meta, rootKey(ct.ID), codec.MustMarshal(vote.StateRoot))
	case h.err != nil:
		return h.err // the store failed under the contract: not the contract's outcome
	default:
		f := describe(err)
		vote.Status, vote.Message = f.status, f.public
		if f.private != "" {
			vote.Output = resp.Seal([]byte(f.private))
		}
	}
	return nil
}

// failure is how a failed call is reported.
type failure struct {
	status uint8
	// public details it from public facts only (gas, limits): it is
	// recorded on chain and logged.
	public string
	// private is for the caller alone (the contract's error message, a
	// panic's): sealed in a command's output, in a query's answer.
	private string
}

// describe reports a call's failure, from the runtime's typed errors.
// Both messages are pure functions of the code, the input and the state,
// so every worker votes the same bytes.
func describe(err error) failure {
	var (
		ie    *wasm.InitError
		gas   *wasm.OutOfGasError
		pan   *wasm.PanicError
		trap  *wasm.TrapError
		limit *wasm.LimitError
	)
	switch {
	case errors.As(err, &ie):
		return initFailure(ie)
	case errors.Is(err, wasm.ErrContract):
		return failure{status: contracts.StatusError, private: contractMessage(err)}
	case errors.As(err, &gas):
		return failure{status: contracts.StatusOutOfGas, public: fmt.Sprintf("used %d of %d", gas.Used, gas.Limit)}
	case errors.As(err, &pan):
		return failure{status: contracts.StatusPanic, private: pan.Message}
	case errors.As(err, &trap):
		return failure{status: contracts.StatusTrap, private: trap.Detail}
	case errors.As(err, &limit):
		f := failure{status: contracts.StatusFailed, public: fmt.Sprintf("more than %d bytes", limit.Limit)}
		switch {
		case errors.Is(err, wasm.ErrMemoryLimit):
			f.status = contracts.StatusMemoryLimit
		case errors.Is(err, wasm.ErrOutputTooLarge):
			f.status = contracts.StatusOutputTooLarge
		case errors.Is(err, wasm.ErrValueTooLarge):
			f.status = contracts.StatusValueTooLarge
		case errors.Is(err, wasm.ErrKeyTooLarge):
			f.status = contracts.StatusKeyTooLarge
		}
		return f
	case errors.Is(err, wasm.ErrMemoryLimit):
		return failure{status: contracts.StatusMemoryLimit}
	case errors.Is(err, wasm.ErrBadPointer):
		// The pointers and sizes are the contract's: for the caller.
		return failure{status: contracts.StatusBadPointer, private: wasm.CutMessage(err.Error(), wasm.MaxMessage)}
	}
	return failure{status: contracts.StatusFailed}
}

// initFailure reports a failed initialization. It ran the contract's
// public code on no input, so all of its cause is public, even a panic's
// message.
func initFailure(ie *wasm.InitError) failure {
	cause := describe(ie.Err)
	detail := cause.private
	if detail == "" {
		detail = cause.public
	}
	return failure{status: contracts.StatusInitFailed, public: wasm.CutMessage(contracts.Reason(cause.status, detail), contracts.MaxMessage)}
}

// contractMessage is the message a contract set with its error.
func contractMessage(err error) string {
	msg := err.Error()
	prefix := wasm.ErrContract.Error() + ": "
	if len(msg) >= len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):]
	}
	return msg
}

// host is wasm.Host over the sealed store, for one command.
type host struct {
	db       *sealeddb.DB
	contract contracts.Hash
	caller   [20]byte
	height   int64
	time     time.Time
	seed     [32]byte
	err      error
}

func (h *host) Get(key []byte) ([]byte, error) {
	v, err := h.db.Get(h.contract[:], key)
	if err != nil {
		h.err = err
	}
	return v, err
}
func (h *host) Caller() [20]byte     { return h.caller }
func (h *host) ContractID() [32]byte { return h.contract }
func (h *host) BlockHeight() int64   { return h.height }
func (h *host) BlockTime() time.Time { return h.time }
func (h *host) Seed() [32]byte       { return h.seed }

// QueryResult is a query's outcome.
type QueryResult struct {
	Status uint8
	// Output is the contract's output, or its error message.
	Output  []byte
	GasUsed uint64
	// Public details a failure from public facts, as a command's result
	// would; Private is what only the caller may read (a panic's message).
	Public, Private string
}

// Reason says what happened, for the caller.
func (r QueryResult) Reason() string {
	if r.Private != "" {
		return contracts.Reason(r.Status, r.Private)
	}
	return contracts.Reason(r.Status, r.Public)
}

// Query runs a method read-only on a contract's current state, for one
// caller: its writes are dropped and its output is returned in the clear
// for the caller's answer to be sealed. Queries need not agree between
// workers, so their randomness is fresh. A contract whose instantiation
// failed answers with that failure.
func (x *Executor) Query(ctx context.Context, ct contracts.Contract, caller [20]byte, method string, args []byte, gasLimit uint64,
	height int64, now time.Time, load CodeLoader) (QueryResult, error) {
	if _, ok, err := x.StateRoot(ct.ID); err != nil || !ok {
		if err != nil {
			return QueryResult{}, err
		}
		var f failedInstance
		if failed, err := x.getCBOR(failedKey(ct.ID), &f); err != nil || failed {
			return QueryResult{Status: f.Status, Public: f.Message}, err
		}
		return QueryResult{}, fmt.Errorf("%w: contract %s is not instantiated on this worker yet", ErrNotHere, ct.ID)
	}
	if !x.cfg.Keys.HasCluster(ct.Cluster) {
		return QueryResult{}, fmt.Errorf("%w: no key for cluster %d", ErrNotHere, ct.Cluster)
	}
	code, err := x.code(ctx, ct.Code, load)
	if err != nil {
		return QueryResult{}, err
	}
	var seed [32]byte
	rand.Read(seed[:])
	h := &host{db: x.db, contract: ct.ID, caller: caller, height: height, time: now, seed: seed}
	res, err := x.engine.Call(ctx, code, h, method, args, gasLimit)
	r := QueryResult{GasUsed: res.GasUsed}
	switch {
	case err == nil:
		r.Status, r.Output = contracts.StatusOK, res.Output
	case h.err != nil:
		return r, h.err
	case errors.Is(err, wasm.ErrDeadline):
		return r, err
	default:
		f := describe(err)
		r.Status, r.Public, r.Private = f.status, f.public, f.private
		if f.status == contracts.StatusError {
			r.Output = []byte(f.private)
		}
	}
	return r, nil
}

// ErrNotHere is returned for a query on a contract this worker does not
// run (yet).
var ErrNotHere = errors.New("contract not run by this worker")
