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
	for i := range keys {
		keys[i] = benchKey(i)
	}
	d, err := startSyncDevnet(ctx, cfg, home, keys)
	if err != nil {
		return res, err
	}
	defer d.Stop()

	t0 := time.Now()
	res.Submitted, err = buildChain(ctx, d, cfg, keys)
	if err != nil {
		return res, err
	}
	res.Build = time.Since(t0)
	cfg.Log.Info("chain built", "height", d.Gatekeeper(0).Height(), "took", res.Build.Round(time.Millisecond), "submitted", res.Submitted)
	if !cfg.Live {
		for i := 1 + cfg.Witnesses; i < d.Size(); i++ {
			if err := d.StopGatekeeper(i); err != nil {
				return res, fmt.Errorf("stop gk%d: %w", i, err)
			}
		}
	}
	url := d.Info().Gatekeepers[0].RPC
	opts, err := followOptions(d, cfg)
	if err != nil {
		return res, err
	}
	checkpoint, err := syncFromGenesis(ctx, cfg, url, opts, &res)
	if err != nil {
		return res, fmt.Errorf("sync from genesis: %w", err)
	}
	res.Restart, res.RestartMax, err = timeRestarts(ctx, cfg, url, opts, checkpoint)
	return res, err
}

// startSyncDevnet starts a devnet that makes blocks as fast as its nodes
// agree, with keys funded.
func startSyncDevnet(ctx context.Context, cfg SyncConfig, home string, keys []crypto.PrivateKey) (*devnet.Devnet, error) {
	grants := make([]bank.GenesisAccount, len(keys))
	for i, k := range keys {
		grants[i] = bank.GenesisAccount{Name: fmt.Sprintf("sync-%d", i), Address: k.Public().Address(), Amount: pha.Tokens(1000)}
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
	return devnet.Start(ctx, dc)
}

// followOptions are the follower's options: gk0's genesis, the tuning,
// and gk1..gkWitnesses as witnesses if asked.
func followOptions(d *devnet.Devnet, cfg SyncConfig) (follow.Options, error) {
	info := d.Info()
	gen, err := node.LoadGenesis(filepath.Join(info.Gatekeepers[0].Home, "config", "genesis.json"))
	if err != nil {
		return follow.Options{}, err
	}
	opts := follow.Options{Genesis: gen, Batch: cfg.Batch, Prefetch: cfg.Prefetch, Log: cfg.Log}
	if cfg.Witnesses == 0 {
		return opts, nil
	}
	var ws []provider.Provider
	for _, g := range info.Gatekeepers[1 : 1+cfg.Witnesses] {
		c, err := rpchttp.New(g.RPC)
		if err != nil {
			return opts, err
		}
		ws = append(ws, lighthttp.NewWithClient(gen.ChainID, c))
	}
	pc, err := rpchttp.New(info.Gatekeepers[0].RPC)
	if err != nil {
		return opts, err
	}
	primary := lighthttp.NewWithClient(gen.ChainID, pc)
	opts.Witnesses = func() (provider.Provider, []provider.Provider) { return primary, ws }
	return opts, nil
}

// syncFromGenesis times a new worker's follower from genesis to
// cfg.Blocks, profiled if asked, and returns the checkpoint it would have
// written at cfg.Blocks-1.
func syncFromGenesis(ctx context.Context, cfg SyncConfig, url string, opts follow.Options, res *SyncResult) ([]byte, error) {
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
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	t := time.Now()
	c, err := rpchttp.New(url)
	if err != nil {
		return nil, err
	}
	f, err := follow.New(c, opts, nil)
	if err != nil {
		return nil, err
	}
	if err := f.Sync(ctx, cfg.Blocks, each); err != nil {
		return nil, err
	}
	if h := f.Trusted().Height; h != cfg.Blocks {
		return nil, fmt.Errorf("synced to %d, want %d", h, cfg.Blocks)
	}
	res.Sync = time.Since(t)
	res.Blocks = cfg.Blocks
	res.BlocksPerSecond = float64(res.Blocks) / res.Sync.Seconds()
	res.CheckpointBytes = len(checkpoint)
	cfg.Log.Info("synced from genesis", "blocks", res.Blocks, "took", res.Sync.Round(time.Millisecond), "blocks_per_s", int(res.BlocksPerSecond))
	return checkpoint, nil
}

// timeRestarts times cfg.Restarts restarted workers, each from the
// checkpoint at cfg.Blocks-1 to having verified cfg.Blocks with a new RPC
// client, and returns the median and the slowest.
func timeRestarts(ctx context.Context, cfg SyncConfig, url string, opts follow.Options, checkpoint []byte) (median, slowest time.Duration, err error) {
	times := make([]time.Duration, cfg.Restarts)
	for i := range times {
		t := time.Now()
		lb, err := follow.DecodeCheckpoint(checkpoint)
		if err != nil {
			return 0, 0, err
		}
		c, err := rpchttp.New(url)
		if err != nil {
			return 0, 0, err
		}
		f, err := follow.New(c, opts, lb)
		if err != nil {
			return 0, 0, err
		}
		if err := f.Sync(ctx, cfg.Blocks, nil); err != nil {
			return 0, 0, fmt.Errorf("restart: %w", err)
		}
		times[i] = time.Since(t)
		if f.Trusted().Height != cfg.Blocks {
			return 0, 0, fmt.Errorf("restart verified up to %d, want %d", f.Trusted().Height, cfg.Blocks)
		}
	}
	slices.Sort(times)
	return times[len(times)/2], times[len(times)-1], nil
}

// transfers sends the chain builder's transfers: each key in turn, each
// through one node, so that node sees its nonces in order.
type transfers struct {
	cfg     SyncConfig
	chainID string
	params  auth.Params
	keys    []crypto.PrivateKey
	nonces  []uint64
	clients []*rpclocal.Local

	submitted, refused atomic.Int64
	mu                 sync.Mutex
	err                error // set once more transfers were refused than there are keys
}

// send sends one transfer from key k through node via. k is used by one
// goroutine at a time: the accounts of a round are distinct (TxsPerBlock
// of 4*TxsPerBlock).
func (s *transfers) send(ctx context.Context, k, via int) {
	to := s.keys[(k+1)%len(s.keys)].Public().Address()
	m, _ := tx.NewMsg(&bank.MsgSend{To: to, Amount: pha.Units(1)})
	t, err := tx.Sign(tx.Body{ChainID: s.chainID, Nonce: s.nonces[k], Fee: tx.Fee{GasLimit: 40_000, GasPrice: s.params.MinGasPrice}, Msgs: []tx.Msg{m}}, s.keys[k])
	var b []byte
	if err == nil {
		b, err = t.Encode()
	}
	if err == nil {
		r, berr := s.clients[via].BroadcastTxSync(ctx, b)
		if err = berr; err == nil && r.Code != 0 {
			err = fmt.Errorf("code %d: %s", r.Code, r.Log)
		}
	}
	if err != nil {
		if s.refused.Add(1) <= 3 {
			s.cfg.Log.Warn("transfer refused", "err", err)
		}
		s.mu.Lock()
		if s.err == nil && s.refused.Load() > int64(len(s.keys)) {
			s.err = fmt.Errorf("transfers refused: %w", err)
		}
		s.mu.Unlock()
		return
	}
	s.nonces[k]++
	s.submitted.Add(1)
}

// round sends TxsPerBlock transfers at once, from the keys after the last
// round's, and returns the first refusal that ends the build.
func (s *transfers) round(ctx context.Context, next *int) error {
	var wg sync.WaitGroup
	for range s.cfg.TxsPerBlock {
		acct := *next % len(s.keys)
		*next++
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.send(ctx, acct, acct%len(s.clients))
		}()
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// buildChain sends TxsPerBlock transfers for every new block, spread over
// the gatekeepers, until gk0 has committed cfg.Blocks blocks, and waits for
// every gatekeeper to have them.
func buildChain(ctx context.Context, d *devnet.Devnet, cfg SyncConfig, keys []crypto.PrivateKey) (int64, error) {
	s := &transfers{cfg: cfg, chainID: d.Info().ChainID, params: auth.DefaultParams(), keys: keys,
		nonces: make([]uint64, len(keys)), clients: make([]*rpclocal.Local, d.Size())}
	for i := range s.clients {
		s.clients[i] = rpclocal.New(d.Gatekeeper(i).Node())
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	last, next := int64(0), 0
	for h := d.Gatekeeper(0).Height(); h < cfg.Blocks; h = d.Gatekeeper(0).Height() {
		if h > last {
			last = h
			if cfg.Progress != nil {
				cfg.Progress(h, cfg.Blocks)
			}
			if err := s.round(ctx, &next); err != nil {
				return s.submitted.Load(), err
			}
		}
		select {
		case <-ctx.Done():
			return s.submitted.Load(), ctx.Err()
		case <-tick.C:
		}
	}
	if err := d.WaitHeight(ctx, cfg.Blocks); err != nil {
		return s.submitted.Load(), err
	}
	if s.submitted.Load() == 0 {
		return 0, errors.New("no transfer was accepted")
	}
	return s.submitted.Load(), nil
}
