package enclave

import (
	"context"
	"crypto/hpke"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave/internal/executor"
	"github.com/phalanx-net/phalanx/enclave/internal/sealeddb"
)

// Backend is the host's key/value store the sealed contract state lives
// in (worker/hostdb on a worker's disk): the host sees hidden keys and
// sealed values only.
type Backend = sealeddb.Backend

// StoreOp is one write of a batch the enclave asks a Backend to apply.
type StoreOp = sealeddb.Op

// CodeLoader returns a code's prepared module, which the host reads from
// the chain, proven.
type CodeLoader = executor.CodeLoader

// ErrOutOfOrder is returned for a command that is not the next one of its
// cluster's log.
var ErrOutOfOrder = executor.ErrOutOfOrder

// ContractsConfig configures an enclave's contract runtime.
type ContractsConfig struct {
	ChainID string
	// Dir holds the sealed key of the contract state and the
	// compiled-code cache.
	Dir string
	// Store holds the sealed contract state; Close closes it.
	Store Backend
	Log   *slog.Logger
}

// Contracts is a worker enclave's contract runtime: it runs the commands
// of its clusters' logs (sealed inputs in, result votes with sealed
// outputs out) and answers the queries users seal to the enclave (sealed
// in, sealed out). The contract keys, the state and the query sessions
// stay inside it.
type Contracts struct {
	e       *Enclave
	chainID string
	log     *slog.Logger
	exec    *executor.Executor
	now     func() time.Time

	mu       sync.Mutex
	nonces   map[[48]byte]int64 // caller and nonce → unix ms after which it may be forgotten
	sessions map[[16]byte]*session
}

// OpenContracts opens the enclave's sealed contract state and its wasm
// runtime. The enclave's secrets must be open (OpenSecrets).
func (e *Enclave) OpenContracts(ctx context.Context, cfg ContractsConfig) (*Contracts, error) {
	if cfg.Store == nil {
		return nil, errors.New("enclave: no store for the contract state")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	key, err := e.dataKey(cfg.Dir, "contract-state-key")
	if err != nil {
		cfg.Store.Close()
		return nil, err
	}
	x, err := executor.Open(ctx, executor.Config{ChainID: cfg.ChainID, Keys: contractKeys{e}, Identity: e.Identity(), DataKey: key, Dir: cfg.Dir, Store: cfg.Store})
	if err != nil {
		return nil, fmt.Errorf("open the contract runtime: %w", err)
	}
	return &Contracts{e: e, chainID: cfg.ChainID, log: cfg.Log, exec: x, now: time.Now,
		nonces: map[[48]byte]int64{}, sessions: map[[16]byte]*session{}}, nil
}

// contractKeys gives the executor the contract keys; it is unexported,
// so that only the enclave can hand it over.
type contractKeys struct{ e *Enclave }

func (k contractKeys) Contract(cluster uint64, gen uint32, contract [32]byte, seq uint64) (hpke.PrivateKey, [32]byte, error) {
	return k.e.contract(cluster, gen, contract, seq)
}

func (k contractKeys) HasCluster(cluster uint64) bool { return k.e.HasCluster(cluster) }

// Close closes the contract state and the runtime.
func (c *Contracts) Close(ctx context.Context) error { return c.exec.Close(ctx) }

// Execute runs the next command of a cluster's log and records its
// outcome: the returned vote carries the output sealed to the caller. An
// error means the command could not run (a failing disk, code that could
// not be fetched, a key generation not received yet: ErrNoClusterKey):
// nothing is recorded and it can be run again.
func (c *Contracts) Execute(ctx context.Context, cmd contracts.Command, ct contracts.Contract, load CodeLoader) (contracts.ResultVote, error) {
	return c.exec.Execute(ctx, cmd, ct, load)
}

// Progress returns the sequence number of the next command to execute in
// a cluster.
func (c *Contracts) Progress(cluster uint64) (uint64, error) { return c.exec.Progress(cluster) }

// Pending returns the results executed but not yet marked posted, in
// order.
func (c *Contracts) Pending(cluster uint64) ([]contracts.ResultVote, error) {
	return c.exec.Pending(cluster)
}

// MarkPosted drops the pending results up to and including seq.
func (c *Contracts) MarkPosted(cluster, seq uint64) error { return c.exec.MarkPosted(cluster, seq) }

// StateRoot returns a contract's current state root.
func (c *Contracts) StateRoot(contract contracts.Hash) (contracts.Hash, bool, error) {
	return c.exec.StateRoot(contract)
}

// QueryUnsealed runs a query given in the clear and returns its status
// and output in the clear: the contract's own cost, for benchmarks to
// compare the sealed API with. Nothing a user sealed goes through it; the
// network API has no such path.
func (c *Contracts) QueryUnsealed(ctx context.Context, chain QueryChain, id contracts.Hash, caller crypto.Address, method string, args []byte) (uint8, []byte, error) {
	ct, err := chain.Contract(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	height, at := chain.Head()
	r, err := c.exec.Query(ctx, ct, caller, method, args, QueryGas, height, at, chain.Code)
	return r.Status, r.Output, err
}
