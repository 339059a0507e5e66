package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/node"
	"github.com/phalanx-net/phalanx/worker/follow"
)

// SyncConfig configures the follower benchmark: how fast a new worker
// verifies a chain from genesis over HTTP RPC, and how fast a restarted one
// resumes from its checkpoint.
type SyncConfig struct {
	// Blocks is the chain height to build and then sync (default 5000).
	Blocks int64
	// Gatekeepers is the devnet's size (default 4).
	Gatekeepers int
	// TxsPerBlock is the number of transfers sent for each new block while
	// the chain is built (default 3), so blocks carry transactions and
	// the app hash moves.
	TxsPerBlock int
	// Live keeps every gatekeeper making blocks while the follower syncs.
	// By default block production stops (all gatekeepers but the one
	// serving RPC are stopped) once the chain is built, so the figure is
	// the follower's and its RPC node's, not the cost of four validators
	// racing on the same cores at a block every few milliseconds.
	Live bool
	// Witnesses keeps gk1..gkWitnesses serving RPC as the follower's
	// witnesses: each sync round's last header is cross-checked with them
	// by CometBFT's light client, as a worker given several nodes does.
	// With 4 gatekeepers and 1 witness the chain stops making blocks (2 of
	// 4 validators are up); with 2 or more it goes on, as with Live.
	Witnesses int
	// Batch and Prefetch tune the follower; zero means its defaults.
	Batch, Prefetch int
	// MaxRequestBatchSize is the RPC node's max_request_batch_size; zero
	// keeps CometBFT's default (10).
	MaxRequestBatchSize int
	// Restarts is the number of restarts timed (default 5); the result
	// holds the median and the slowest.
	Restarts int
	BasePort int
	Log      *slog.Logger
	// Progress, if set, is told the chain's height while it is built.
	Progress func(height, target int64)
	// CPUProfile, if set, receives a CPU profile of the sync from genesis
	// alone (not of building the chain).
	CPUProfile io.Writer
}

func (c *SyncConfig) setDefaults() {
	if c.Blocks == 0 {
		c.Blocks = 5000
	}
	if c.Gatekeepers == 0 {
		c.Gatekeepers = 4
	}
	if c.TxsPerBlock == 0 {
		c.TxsPerBlock = 3
	}
	if c.Restarts == 0 {
		c.Restarts = 5
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// SyncResult is the follower benchmark's figures.
type SyncResult struct {
	Gatekeepers int   `json:"gatekeepers"`
	Blocks      int64 `json:"blocks"` // verified from genesis
	// TxBlocks counts the verified blocks with transactions in them.
	TxBlocks int64 `json:"blocks_with_txs"`
	// Submitted is the number of transfers the nodes accepted.
	Submitted int64 `json:"submitted_txs"`
	// Build is the time the devnet took to make the chain.
	Build time.Duration `json:"build_ns"`
	// Sync is the time from creating the follower to having verified
	// Blocks headers, over HTTP RPC.
	Sync            time.Duration `json:"sync_ns"`
	BlocksPerSecond float64       `json:"blocks_per_second"`
	// Restart is the median time from decoding a checkpoint to having
	// verified the block after it, with a new RPC client; RestartMax is
	// the slowest.
	Restart         time.Duration `json:"restart_ns"`
	RestartMax      time.Duration `json:"restart_max_ns"`
	CheckpointBytes int           `json:"checkpoint_bytes"`
	Batch           int           `json:"batch"`
	Prefetch        int           `json:"prefetch"`
	Live            bool          `json:"live"`
	Witnesses       int           `json:"witnesses"`
}

// RunSync builds a devnet chain of cfg.Blocks blocks with transfers in
// them, in a temporary directory, then measures a fresh follower syncing
// it from genesis through gk0's HTTP RPC, and restarts from a checkpoint.
func RunSync(ctx context.Context, cfg SyncConfig) (SyncResult, error) {
	cfg.setDefaults()
	res := SyncResult{Gatekeepers: cfg.Gatekeepers, Batch: cfg.Batch, Prefetch: cfg.Prefetch, Live: cfg.Live, Witnesses: cfg.Witnesses}
	if cfg.Witnesses < 0 || cfg.Witnesses >= cfg.Gatekeepers {
		return res, fmt.Errorf("%d witnesses: want 0 to %d (the other gatekeepers)", cfg.Witnesses, cfg.Gatekeepers-1)
	}
	if res.Batch == 0 {
		res.Batch = follow.DefaultBatch
	}
	if res.Prefetch == 0 {
		res.Prefetch = follow.DefaultPrefetch
	}
	home, err := os.MkdirTemp("", "phalanx-bench-sync-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(home)

	keys := make([]crypto.PrivateKey, 4*cfg.TxsPerBlock)
	grants := make([]bank.GenesisAccount, len(keys))
	for i := range keys {
		keys[i] = benchKey(i)
		grants[i] = bank.GenesisAccount{Name: fmt.Sprintf("sync-%d", i), Address: keys[i].Public().Address(), Amount: pha.Tokens(1000)}
	}
	dc := devnet.Config{
		Home: home, Gatekeepers: cfg.Gatekeepers, BasePort: cfg.BasePort, ExtraAccounts: grants,
		// Blocks as fast as the nodes agree (about 20 a second on two
		// idle cores): no commit timeout to speak of, gossip that polls
		// often, and a propose timeout that turns a missed proposal into a
		// short stall rather than a 3 s one. (Skipping the commit timeout
		// once every precommit is in was tried: it is slower here.)
		BlockTime: time.Millisecond,
		Log:       slog.New(slog.DiscardHandler),
		Tune: func(c *cmtcfg.Config) {
			c.Consensus.TimeoutPropose = 500 * time.Millisecond
			c.Consensus.PeerGossipSleepDuration = 2 * time.Millisecond
			if cfg.MaxRequestBatchSize > 0 {
				c.RPC.MaxRequestBatchSize = cfg.MaxRequestBatchSize
			}
		},
	}
	dc.FreePorts = dc.BasePort == 0
	cfg.Log.Info("starting devnet", "gatekeepers", cfg.Gatekeepers, "blocks", cfg.Blocks)
	d, err := devnet.Start(ctx, dc)
	if err != nil {
		return res, err
	}
	defer d.Stop()

	t0 := time.Now()
	submitted, err := buildChain(ctx, d, cfg, keys)
	res.Submitted = submitted
	if err != nil {
		return res, err
	}
	res.Build = time.Since(t0)
	cfg.Log.Info("chain built", "height", d.Gatekeeper(0).Height(), "took", res.Build.Round(time.Millisecond), "submitted", submitted)
	if !cfg.Live {
		for i := 1 + cfg.Witnesses; i < d.Size(); i++ {
			if err := d.StopGatekeeper(i); err != nil {
				return res, fmt.Errorf("stop gk%d: %w", i, err)
			}
		}
	}

	info := d.Info()
	gen, err := node.LoadGenesis(filepath.Join(info.Gatekeepers[0].Home, "config", "genesis.json"))
	if err != nil {
		return res, err
	}
	opts := follow.Options{Genesis: gen, Batch: cfg.Batch, Prefetch: cfg.Prefetch, Log: cfg.Log}
	url := info.Gatekeepers[0].RPC
	if cfg.Witnesses > 0 {
		var ws []provider.Provider
		for _, g := range info.Gatekeepers[1 : 1+cfg.Witnesses] {
			c, err := rpchttp.New(g.RPC)
			if err != nil {
				return res, err
			}
			ws = append(ws, lighthttp.NewWithClient(gen.ChainID, c))
		}
		pc, err := rpchttp.New(url)
		if err != nil {
			return res, err
		}
		primary := lighthttp.NewWithClient(gen.ChainID, pc)
		opts.Witnesses = func() (provider.Provider, []provider.Provider) { return primary, ws }
	}

	// (a) A new worker: from genesis to Blocks.
	var checkpoint []byte
	emptyData := types.Txs(nil).Hash()
	each := func(lb *types.LightBlock) error {
		if !bytes.Equal(lb.DataHash, emptyData) {
			res.TxBlocks++
		}
		if lb.Height == cfg.Blocks-1 {
			var err error
			checkpoint, err = follow.EncodeCheckpoint(lb)
			return err
		}
		return nil
	}
	if cfg.CPUProfile != nil {
		if err := pprof.StartCPUProfile(cfg.CPUProfile); err != nil {
			return res, err
		}
	}
	t1 := time.Now()
	err = func() error {
		c, err := rpchttp.New(url)
		if err != nil {
			return err
		}
		f, err := follow.New(c, opts, nil)
		if err != nil {
			return err
		}
		if err := f.Sync(ctx, cfg.Blocks, each); err != nil {
			return err
		}
		if h := f.Trusted().Height; h != cfg.Blocks {
			return fmt.Errorf("synced to %d, want %d", h, cfg.Blocks)
		}
		res.Sync = time.Since(t1)
		return nil
	}()
	if cfg.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return res, fmt.Errorf("sync from genesis: %w", err)
	}
	res.Blocks = cfg.Blocks
	res.BlocksPerSecond = float64(res.Blocks) / res.Sync.Seconds()
	res.CheckpointBytes = len(checkpoint)
	cfg.Log.Info("synced from genesis", "blocks", res.Blocks, "took", res.Sync.Round(time.Millisecond), "blocks_per_s", int(res.BlocksPerSecond))

	// (b) A restarted worker: checkpoint at Blocks-1, verify Blocks.
	times := make([]time.Duration, cfg.Restarts)
	for i := range times {
		t := time.Now()
		lb, err := follow.DecodeCheckpoint(checkpoint)
		if err != nil {
			return res, err
		}
		c, err := rpchttp.New(url)
		if err != nil {
			return res, err
		}
		f, err := follow.New(c, opts, lb)
		if err != nil {
			return res, err
		}
		if err := f.Sync(ctx, cfg.Blocks, nil); err != nil {
			return res, fmt.Errorf("restart: %w", err)
		}
		times[i] = time.Since(t)
		if f.Trusted().Height != cfg.Blocks {
			return res, fmt.Errorf("restart verified up to %d, want %d", f.Trusted().Height, cfg.Blocks)
		}
	}
	slices.Sort(times)
	res.Restart, res.RestartMax = times[len(times)/2], times[len(times)-1]
	return res, nil
}

// buildChain sends TxsPerBlock transfers for every new block, spread over
// the gatekeepers, until gk0 has committed cfg.Blocks blocks, and waits for
// every gatekeeper to have them.
func buildChain(ctx context.Context, d *devnet.Devnet, cfg SyncConfig, keys []crypto.PrivateKey) (int64, error) {
	params := auth.DefaultParams()
	chainID := d.Info().ChainID
	nonces := make([]uint64, len(keys))
	clients := make([]*rpclocal.Local, d.Size())
	for i := range clients {
		clients[i] = rpclocal.New(d.Gatekeeper(i).Node())
	}
	var submitted, refused atomic.Int64
	var mu sync.Mutex
	var firstErr error
	send := func(k, via int) {
		// k is used by one goroutine at a time: the accounts of a round
		// are distinct (TxsPerBlock of 4*TxsPerBlock).
		to := keys[(k+1)%len(keys)].Public().Address()
		m, _ := tx.NewMsg(&bank.MsgSend{To: to, Amount: pha.Units(1)})
		t, err := tx.Sign(tx.Body{ChainID: chainID, Nonce: nonces[k], Fee: tx.Fee{GasLimit: 40_000, GasPrice: params.MinGasPrice}, Msgs: []tx.Msg{m}}, keys[k])
		var b []byte
		if err == nil {
			b, err = t.Encode()
		}
		if err == nil {
			r, berr := clients[via].BroadcastTxSync(ctx, b)
			if err = berr; err == nil && r.Code != 0 {
				err = fmt.Errorf("code %d: %s", r.Code, r.Log)
			}
		}
		if err != nil {
			if refused.Add(1) <= 3 {
				cfg.Log.Warn("transfer refused", "err", err)
			}
			mu.Lock()
			if firstErr == nil && refused.Load() > int64(len(keys)) {
				firstErr = fmt.Errorf("transfers refused: %w", err)
			}
			mu.Unlock()
			return
		}
		nonces[k]++
		submitted.Add(1)
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	last, k := int64(0), 0
	for {
		h := d.Gatekeeper(0).Height()
		if h >= cfg.Blocks {
			break
		}
		if h > last {
			last = h
			if cfg.Progress != nil {
				cfg.Progress(h, cfg.Blocks)
			}
			// Each account sends through one node, so that node sees
			// its nonces in order.
			var wg sync.WaitGroup
			for range cfg.TxsPerBlock {
				acct := k % len(keys)
				k++
				wg.Add(1)
				go func() {
					defer wg.Done()
					send(acct, acct%d.Size())
				}()
			}
			wg.Wait()
			mu.Lock()
			err := firstErr
			mu.Unlock()
			if err != nil {
				return submitted.Load(), err
			}
		}
		select {
		case <-ctx.Done():
			return submitted.Load(), ctx.Err()
		case <-tick.C:
		}
	}
	if err := d.WaitHeight(ctx, cfg.Blocks); err != nil {
		return submitted.Load(), err
	}
	if submitted.Load() == 0 {
		return 0, errors.New("no transfer was accepted")
	}
	return submitted.Load(), nil
}
