package bench

import (
	"context"
	"crypto/hpke"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/examples"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/wasm/gobuild"
	"github.com/phalanx-net/phalanx/worker/api"
)

// ContractsConfig configures the confidential-contract benchmark.
type ContractsConfig struct {
	// Vault is the directory of a vault contract to build; empty builds
	// the example vault the binary carries.
	Vault string
	// Duration of each query phase (default 10 s).
	Duration time.Duration
	// Concurrency is the number of clients querying at once (default
	// 4 × GOMAXPROCS).
	Concurrency int
	// Commands is the number of commands sent end to end (default 40).
	Commands int
	BasePort int
	Log      *slog.Logger
	// Phase, if set, is told when a phase starts.
	Phase func(name string)
	// CPUProfile, if set, receives a CPU profile of the session phase.
	CPUProfile io.Writer
}

// Rate is a throughput with its latency percentiles.
type Rate struct {
	PerSecond float64       `json:"per_second"`
	P50       time.Duration `json:"p50"`
	P99       time.Duration `json:"p99"`
	Count     int           `json:"count"`
}

// ContractsResult holds the figures.
type ContractsResult struct {
	// HPKE is the rate of the server side of a one-shot query's crypto
	// alone (open the request, seal the answer), at the same concurrency.
	HPKE Rate `json:"hpke_open_seal"`
	// Unsealed is the contract query run in-process, without crypto.
	Unsealed Rate `json:"unsealed"`
	// PerRequest and Session are encrypted queries over HTTP.
	PerRequest Rate `json:"per_request"`
	Session    Rate `json:"session"`
	// Commands: sent and recorded per second end to end, and the blocks
	// between a command's transaction and its recorded result.
	Commands      Rate          `json:"commands"`
	BlocksMedian  float64       `json:"blocks_median"`
	BlocksMax     int64         `json:"blocks_max"`
	BlockInterval time.Duration `json:"block_interval"`
	Workers       int           `json:"workers"`
	Concurrency   int           `json:"concurrency"`
	GOMAXPROCS    int           `json:"gomaxprocs"`
}

// RunContracts starts a devnet of one gatekeeper and one worker running
// the vault contract, and measures queries (one-shot and session, against
// the contract alone and the HPKE work alone, in the same run) and
// commands end to end.
func RunContracts(ctx context.Context, cfg ContractsConfig) (*ContractsResult, error) {
	cfg.setDefaults()
	wasm, err := vaultWasm(cfg)
	if err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "phalanx-bench-contracts")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	cfg.phase("starting a devnet and deploying the vault")
	const blockTime = 200 * time.Millisecond
	d, err := devnet.Start(ctx, devnet.Config{Home: home, Gatekeepers: 1, Workers: 1, BasePort: cfg.BasePort, FreePorts: cfg.BasePort == 0, BlockTime: blockTime,
		Log: cfg.Log, Contracts: []devnet.Contract{{Name: "vault", Wasm: wasm}}})
	if err != nil {
		return nil, err
	}
	defer d.Stop()
	b, err := newVaultBench(ctx, cfg, d, home)
	if err != nil {
		return nil, err
	}
	r := &ContractsResult{Workers: 1, Concurrency: cfg.Concurrency, GOMAXPROCS: runtime.GOMAXPROCS(0), BlockInterval: blockTime}
	if err := b.queries(ctx, r); err != nil {
		return nil, err
	}
	cfg.phase("commands end to end")
	if err := commandsRate(ctx, b.cl, b.kr, b.id, cfg.Commands, r); err != nil {
		return nil, err
	}
	return r, nil
}

func (cfg *ContractsConfig) setDefaults() {
	if cfg.Duration == 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.Commands == 0 {
		cfg.Commands = 40
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
}

func (cfg *ContractsConfig) phase(s string) {
	if cfg.Phase != nil {
		cfg.Phase(s)
	}
}

// vaultWasm builds the vault: cfg.Vault's, or the example's.
func vaultWasm(cfg ContractsConfig) ([]byte, error) {
	if cfg.Vault != "" {
		return gobuild.Module(cfg.Vault)
	}
	files, err := examples.Files("vault")
	if err != nil {
		return nil, err
	}
	return gobuild.BuildFiles("vault", files)
}

// vaultBench is a devnet with the vault deployed and alice's deposit of
// 1000 in it, which every query of the benchmark reads back.
type vaultBench struct {
	cfg   ContractsConfig
	d     *devnet.Devnet
	cl    *client.Client
	kr    *keyring.Keyring
	alice crypto.PrivateKey
	id    contracts.Hash
}

func newVaultBench(ctx context.Context, cfg ContractsConfig, d *devnet.Devnet, home string) (*vaultBench, error) {
	b := &vaultBench{cfg: cfg, d: d, id: d.Info().Contracts[0].ID}
	var err error
	if b.cl, err = client.New(d.Info().Gatekeepers[0].RPC); err != nil {
		return nil, err
	}
	if b.kr, err = keyring.Open(home, keyring.BackendTest, nil); err != nil {
		return nil, err
	}
	if b.alice, err = b.kr.PrivateKey("alice"); err != nil {
		return nil, err
	}
	cmd, err := b.cl.Call(ctx, b.alice, b.id, "deposit", []byte("1000"), 50_000_000)
	if err != nil {
		return nil, err
	}
	if _, err := b.cl.Wait(ctx, cmd, time.Minute); err != nil {
		return nil, err
	}
	return b, nil
}

// queries measures the query phases: HPKE alone, the contract alone,
// encrypted one-shot queries, encrypted queries in sessions (profiled if
// asked).
func (b *vaultBench) queries(ctx context.Context, r *ContractsResult) error {
	cfg, wk, w, args := b.cfg, b.d.Info().Workers[0], b.d.Worker(0), []byte("{}")
	balance := func(a *api.Answer, err error) error {
		if err == nil && string(a.Output) != "1000" {
			err = fmt.Errorf("unexpected answer %q", a.Output)
		}
		return err
	}
	cfg.phase("HPKE open+seal alone")
	rec, err := b.cl.Worker(ctx, wk.ID, true)
	if err != nil {
		return err
	}
	if r.HPKE, err = hpkeRate(ctx, rec.EncryptionKey, cfg); err != nil {
		return err
	}

	cfg.phase("the contract alone, in-process")
	r.Unsealed = loadRate(ctx, cfg, func(ctx context.Context, _ int) error {
		status, out, err := w.QueryUnsealed(ctx, b.id, b.alice.Public().Address(), "my_balance", args)
		if err == nil && (status != contracts.StatusOK || string(out) != "1000") {
			err = fmt.Errorf("unexpected answer %d %q", status, out)
		}
		return err
	})

	cfg.phase("encrypted one-shot queries")
	qc, err := b.cl.NewQueryClient(ctx, wk.ID, wk.Query, b.alice)
	if err != nil {
		return err
	}
	r.PerRequest = loadRate(ctx, cfg, func(ctx context.Context, _ int) error {
		return balance(qc.Query(ctx, b.id, "my_balance", args))
	})

	cfg.phase("encrypted queries in sessions")
	sessions := make([]*client.QuerySession, cfg.Concurrency)
	for i := range sessions {
		if sessions[i], err = qc.OpenSession(ctx); err != nil {
			return err
		}
	}
	if cfg.CPUProfile != nil {
		if err := pprof.StartCPUProfile(cfg.CPUProfile); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	r.Session = loadRate(ctx, cfg, func(ctx context.Context, g int) error {
		return balance(sessions[g].Query(ctx, b.id, "my_balance", args))
	})
	return nil
}

// loadRate runs op from cfg.Concurrency goroutines for cfg.Duration.
func loadRate(ctx context.Context, cfg ContractsConfig, op func(ctx context.Context, g int) error) Rate {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for g := range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				t := time.Now()
				if err := op(ctx, g); err != nil {
					if ctx.Err() == nil {
						if failed.Add(1) == 1 {
							cfg.Log.Warn("benchmark operation failed", "err", err)
						}
					}
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return rateOf(lat, time.Since(start))
}

func rateOf(lat []time.Duration, elapsed time.Duration) Rate {
	if len(lat) == 0 {
		return Rate{}
	}
	slices.Sort(lat)
	return Rate{PerSecond: float64(len(lat)) / elapsed.Seconds(), P50: lat[len(lat)/2], P99: lat[len(lat)*99/100], Count: len(lat)}
}

// hpkeRate measures the server's crypto of a one-shot query: open a
// sealed request, seal an answer.
func hpkeRate(ctx context.Context, workerKey []byte, cfg ContractsConfig) (Rate, error) {
	// A key of the same suite stands in for the enclave's, which never
	// leaves it; the work is the same.
	k, err := crypto.GenerateEncryptionKey()
	if err != nil {
		return Rate{}, err
	}
	if _, err := crypto.ParseEncryptionPublicKey(workerKey); err != nil {
		return Rate{}, err
	}
	req, _, err := envelope.SealRequest(k.PublicKey(), "bench", make([]byte, 200))
	if err != nil {
		return Rate{}, err
	}
	answer := codec.MustMarshal(api.Answer{Status: 0, Output: []byte("1000"), GasUsed: 300_000, Height: 100})
	var key hpke.PrivateKey = k
	return loadRate(ctx, cfg, func(context.Context, int) error {
		_, resp, err := envelope.OpenRequest(key, "bench", req)
		if err != nil {
			return err
		}
		resp.Seal(answer)
		return nil
	}), nil
}

// commandsRate sends n commands from several funded accounts, each
// sending its share back to back (consecutive nonces, without waiting),
// and waits for every result.
func commandsRate(ctx context.Context, cl *client.Client, kr *keyring.Keyring, id contracts.Hash, n int, r *ContractsResult) error {
	senders := []string{"alice", "bob", "carol", "dave"}
	type sent struct {
		cmd  *client.Command
		took time.Duration
		err  error
	}
	results := make([]sent, n)
	start := time.Now()
	var wg sync.WaitGroup
	for s, name := range senders {
		key, err := kr.PrivateKey(name)
		if err != nil {
			return err
		}
		acc, err := cl.Account(ctx, key.Public().Address())
		if err != nil {
			return err
		}
		nonce := acc.Nonce
		for i := s; i < n; i += len(senders) {
			t := time.Now()
			nc := nonce
			nonce++
			p, err := cl.SendCall(ctx, key, id, "deposit", []byte("1"), 50_000_000, &nc)
			if err != nil {
				return err
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd, err := p.Committed(ctx)
				if err == nil {
					_, err = cl.Wait(ctx, cmd, time.Minute)
				}
				results[i] = sent{cmd: cmd, took: time.Since(t), err: err}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	var lat []time.Duration
	var blocks []int64
	for _, s := range results {
		if s.err != nil {
			return s.err
		}
		res, err := cl.CommandResult(ctx, s.cmd.Cluster, s.cmd.Seq)
		if err != nil {
			return err
		}
		lat = append(lat, s.took)
		blocks = append(blocks, res.Height-s.cmd.Height)
	}
	if len(blocks) == 0 {
		return errors.New("no commands")
	}
	r.Commands = rateOf(lat, elapsed)
	slices.Sort(blocks)
	r.BlocksMedian = float64(blocks[len(blocks)/2])
	r.BlocksMax = blocks[len(blocks)-1]
	return nil
}
