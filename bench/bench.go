package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/mempool"
	cmtnode "github.com/cometbft/cometbft/node"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
)

// Config configures a transfer benchmark.
type Config struct {
	Gatekeepers int
	Duration    time.Duration // measured window
	Warmup      time.Duration // load before the window opens
	BlockTime   time.Duration
	Accounts    int // sending accounts
	// MempoolTarget is the mempool size above which submission to a node
	// pauses.
	MempoolTarget int
	// MaxTxs bounds the transactions signed in advance.
	MaxTxs   int
	BasePort int
	Log      *slog.Logger
	// Progress, if set, is told how many transactions are signed so far.
	Progress func(done, total int)
}

func (c *Config) setDefaults() {
	if c.Gatekeepers == 0 {
		c.Gatekeepers = 4
	}
	if c.Duration == 0 {
		c.Duration = 20 * time.Second
	}
	if c.Warmup == 0 {
		c.Warmup = 3 * time.Second
	}
	if c.BlockTime == 0 {
		c.BlockTime = 500 * time.Millisecond
	}
	if c.Accounts == 0 {
		c.Accounts = 2000
	}
	if c.MempoolTarget == 0 {
		c.MempoolTarget = 12000
	}
	if c.MaxTxs == 0 {
		c.MaxTxs = int((c.Duration + c.Warmup).Seconds() * 20000)
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Result is one engine's figures.
type Result struct {
	Engine        string        `json:"engine"`
	Gatekeepers   int           `json:"gatekeepers"`
	Window        time.Duration `json:"window_ns"`
	Committed     int64         `json:"committed_txs"`
	TxsPerSecond  float64       `json:"txs_per_second"`
	Blocks        int64         `json:"blocks"`
	BlockInterval time.Duration `json:"mean_block_interval_ns"`
	TxBytes       int           `json:"tx_bytes"`
	Submitted     int64         `json:"submitted"`
	Refused       int64         `json:"refused"`
}

// Report is a whole run: Phalanx transfers and the bare engine.
type Report struct {
	Phalanx Result  `json:"phalanx"`
	Bare    Result  `json:"bare"`
	Ratio   float64 `json:"ratio"`
}

// Run measures Phalanx transfers, then the bare engine, each on a fresh
// network in a temporary directory.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.setDefaults()
	txs, size, grants, err := signTransfers(cfg)
	if err != nil {
		return nil, err
	}
	ph, err := measure(ctx, cfg, "phalanx", txs, func(dc *devnet.Config) { dc.ExtraAccounts = grants }, nil)
	if err != nil {
		return nil, fmt.Errorf("phalanx: %w", err)
	}
	ph.TxBytes = size
	bareTxs := fillerTxs{size: size, accounts: cfg.Accounts, gatekeepers: cfg.Gatekeepers}
	apps := make([]*bareApp, cfg.Gatekeepers)
	bare, err := measure(ctx, cfg, "bare cometbft", bareTxs, func(dc *devnet.Config) {
		dc.ABCI = func(i int) abci.Application {
			apps[i] = &bareApp{}
			return apps[i]
		}
	}, func() int64 { return apps[0].committed.Load() })
	if err != nil {
		return nil, fmt.Errorf("bare engine: %w", err)
	}
	bare.TxBytes = size
	r := &Report{Phalanx: *ph, Bare: *bare}
	if bare.TxsPerSecond > 0 {
		r.Ratio = ph.TxsPerSecond / bare.TxsPerSecond
	}
	return r, nil
}

// load is the pre-signed transactions, grouped by the node they go to and,
// within a node, by sending account, in nonce order.
type load [][][][]byte

func benchKey(i int) crypto.PrivateKey {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("phalanx bench account"), uint64(i)))
	k, _ := crypto.PrivateKeyFromSeed(seed[:])
	return k
}

// signTransfers signs MaxTxs transfers between the benchmark accounts.
func signTransfers(cfg Config) (load, int, []bank.GenesisAccount, error) {
	keys := make([]crypto.PrivateKey, cfg.Accounts)
	grants := make([]bank.GenesisAccount, cfg.Accounts)
	for i := range keys {
		keys[i] = benchKey(i)
		grants[i] = bank.GenesisAccount{Name: fmt.Sprintf("bench-%d", i), Address: keys[i].Public().Address(), Amount: pha.Tokens(1000)}
	}
	perAccount := (cfg.MaxTxs + cfg.Accounts - 1) / cfg.Accounts
	out := make(load, cfg.Gatekeepers)
	for n := range out {
		out[n] = make([][][]byte, 0, cfg.Accounts/cfg.Gatekeepers+1)
	}
	params := auth.DefaultParams()
	var size int
	var signed atomic.Int64
	total := perAccount * cfg.Accounts
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	seqs := make([][][]byte, cfg.Accounts)
	work := make(chan int)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				seq := make([][]byte, perAccount)
				for n := range seq {
					to := keys[(i+1+n)%cfg.Accounts].Public().Address()
					m, _ := tx.NewMsg(&bank.MsgSend{To: to, Amount: pha.Units(1 + uint64(n))})
					t, err := tx.Sign(tx.Body{ChainID: "phalanx-devnet", Nonce: uint64(n), Fee: tx.Fee{GasLimit: 40_000, GasPrice: params.MinGasPrice}, Msgs: []tx.Msg{m}}, keys[i])
					var b []byte
					if err == nil {
						b, err = t.Encode()
					}
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					seq[n] = b
				}
				seqs[i] = seq
				if d := signed.Add(int64(perAccount)); cfg.Progress != nil {
					cfg.Progress(int(d), total)
				}
			}
		}()
	}
	for i := range keys {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, 0, nil, firstErr
	}
	for i, seq := range seqs {
		out[i%cfg.Gatekeepers] = append(out[i%cfg.Gatekeepers], seq)
		size = max(size, len(seq[len(seq)-1]))
	}
	return out, size, grants, nil
}

// source hands out the transactions of one engine's load: for a node, the
// i-th of its account slots, the round-th transaction, or false when that
// account has no more.
type source interface {
	slots(node int) int
	tx(node, slot, round int) ([]byte, bool)
}

func (l load) slots(node int) int { return len(l[node]) }

func (l load) tx(node, slot, round int) ([]byte, bool) {
	seq := l[node][slot]
	if round >= len(seq) {
		return nil, false
	}
	return seq[round], true
}

// fillerTxs is the bare engine's load: transactions of the transfers' size,
// made on the fly (unique by their first 24 bytes, the rest random filler
// drawn once), so the bare engine never runs out however fast it is.
type fillerTxs struct {
	size, accounts, gatekeepers int
}

func (f fillerTxs) slots(node int) int {
	return (f.accounts - node + f.gatekeepers - 1) / f.gatekeepers
}

func (f fillerTxs) tx(node, slot, round int) ([]byte, bool) {
	b := make([]byte, f.size)
	_, _ = rand.Read(b[24:min(f.size, 56)])
	binary.BigEndian.PutUint64(b[0:], uint64(node))
	binary.BigEndian.PutUint64(b[8:], uint64(slot))
	binary.BigEndian.PutUint64(b[16:], uint64(round))
	return b, true
}

func measure(ctx context.Context, cfg Config, engine string, txs source, setup func(*devnet.Config), committed func() int64) (*Result, error) {
	home, err := os.MkdirTemp("", "phalanx-bench-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	dc := devnet.Config{
		Home: home, Gatekeepers: cfg.Gatekeepers, BasePort: cfg.BasePort, BlockTime: cfg.BlockTime,
		Log: slog.New(slog.DiscardHandler),
		Tune: func(c *cmtcfg.Config) {
			c.Mempool.Size = 4 * cfg.MempoolTarget * cfg.Gatekeepers
			c.Mempool.CacheSize = 200_000
			c.Mempool.MaxTxsBytes = 1 << 30
			c.TxIndex.Indexer = "null" // the benchmark looks nothing up
		},
	}
	dc.FreePorts = dc.BasePort == 0
	setup(&dc)
	cfg.Log.Info("starting network", "engine", engine, "gatekeepers", cfg.Gatekeepers)
	d, err := devnet.Start(ctx, dc)
	if err != nil {
		return nil, err
	}
	defer d.Stop()
	if committed == nil {
		committed = d.Gatekeeper(0).App().CommittedTxs
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Warmup+cfg.Duration)
	defer cancel()
	l := &submitters{cfg: cfg, engine: engine, txs: txs}
	var wg sync.WaitGroup
	for n := range cfg.Gatekeepers {
		// Submitters per node, as many concurrent RPC clients: each with
		// its own accounts, so each account's transactions arrive in nonce
		// order.
		const perNode = 16
		for w := range perNode {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l.submit(ctx, d.Gatekeeper(n).Node(), n, w, perNode)
			}()
		}
	}
	select {
	case <-time.After(cfg.Warmup):
	case <-ctx.Done():
	}
	c0, h0, t0 := committed(), d.Gatekeeper(0).Height(), time.Now()
	<-ctx.Done()
	c1, h1, t1 := committed(), d.Gatekeeper(0).Height(), time.Now()
	wg.Wait()
	if l.exhausted.Load() {
		return nil, fmt.Errorf("the %d pre-signed transactions ran out before the window closed; raise MaxTxs", cfg.MaxTxs)
	}
	el := t1.Sub(t0)
	r := &Result{Engine: engine, Gatekeepers: cfg.Gatekeepers, Window: el, Committed: c1 - c0, Blocks: h1 - h0,
		TxsPerSecond: float64(c1-c0) / el.Seconds(), Submitted: l.submitted.Load(), Refused: l.refused.Load()}
	if h1 > h0 {
		r.BlockInterval = el / time.Duration(h1-h0)
	}
	cfg.Log.Info("measured", "engine", engine, "txs_per_s", int(r.TxsPerSecond), "blocks", r.Blocks, "refused", r.Refused)
	return r, nil
}

// submitters offer the benchmark's load: pre-signed transactions sent to
// every node by concurrent submitters, as long as the mempool is below its
// target.
type submitters struct {
	cfg    Config
	engine string
	txs    source

	submitted, refused atomic.Int64
	exhausted          atomic.Bool
}

// submit is submitter w of n: it sends node n's slots w, w+of, w+2·of…
// in rounds until ctx ends or the transactions run out.
func (l *submitters) submit(ctx context.Context, nd *cmtnode.Node, n, w, of int) {
	rpc := rpclocal.New(nd)
	mp := nd.Mempool()
	for round := 0; ctx.Err() == nil; round++ {
		for slot := w; slot < l.txs.slots(n); slot += of {
			b, ok := l.txs.tx(n, slot, round)
			if !ok {
				l.exhausted.Store(true)
				return
			}
			for mp.Size() > l.cfg.MempoolTarget && ctx.Err() == nil {
				time.Sleep(2 * time.Millisecond)
			}
			if ctx.Err() != nil {
				return
			}
			l.broadcast(ctx, rpc, n, b)
		}
	}
}

// broadcast sends one transaction, again while the mempool is full.
func (l *submitters) broadcast(ctx context.Context, rpc *rpclocal.Local, n int, b []byte) {
	for {
		res, err := rpc.BroadcastTxSync(ctx, b)
		switch {
		case err != nil && isFull(err):
			time.Sleep(5 * time.Millisecond)
			continue
		case err != nil:
			if l.refused.Add(1) <= 3 {
				l.cfg.Log.Warn("transaction refused", "engine", l.engine, "node", n, "err", err)
			}
		case res.Code != 0:
			if l.refused.Add(1) <= 3 {
				l.cfg.Log.Warn("transaction refused", "engine", l.engine, "node", n, "code", res.Code, "log", res.Log)
			}
		default:
			l.submitted.Add(1)
		}
		return
	}
}

func isFull(err error) bool {
	var full mempool.ErrMempoolIsFull
	return errors.As(err, &full)
}
