package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/phalanx-net/phalanx/bench"
)

func newBenchCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure this machine against Phalanx's performance targets",
	}
	cmd.AddCommand(newBenchTransfersCmd(c), newBenchSyncCmd(c), newBenchContractsCmd(c), newBenchFaultsCmd(c))
	return cmd
}

func newBenchTransfersCmd(c *cli) *cobra.Command {
	var cfg bench.Config
	var seconds int
	var verbose bool
	var cpuprofile string
	cmd := &cobra.Command{
		Use:   "transfers",
		Short: "Commit signed transfers on a fresh devnet, then the same load on a bare CometBFT app",
		Long: `Starts a fresh devnet in a temporary directory, commits signed transfers for
--seconds and reports committed transfers per second and the mean block
interval; then does the same with a bare CometBFT application (no signatures,
no state) and transactions of the same size, and prints the ratio.
Transactions are signed before the clock starts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Duration = time.Duration(seconds) * time.Second
			tuneGC()
			if verbose {
				cfg.Log = slog.New(slog.NewTextHandler(c.stderr, nil))
			}
			var bar *progressbar.ProgressBar
			cfg.Progress = func(done, total int) {
				if !isTerminal(c.stderr) {
					return
				}
				if bar == nil {
					bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(c.stderr),
						progressbar.OptionSetDescription("signing transfers"), progressbar.OptionShowCount(),
						progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond))
				}
				_ = bar.Set(done)
				if done >= total {
					_ = bar.Finish()
					fmt.Fprintln(c.stderr)
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			fmt.Fprintf(c.stderr, "Benchmark: %d gatekeepers, %s per engine (plus %s warm-up each)\n", cfg.Gatekeepers, cfg.Duration, 3*time.Second)
			r, err := bench.Run(ctx, cfg)
			if err != nil {
				return err
			}
			return c.print(r, func(w io.Writer) {
				for _, e := range []bench.Result{r.Phalanx, r.Bare} {
					fmt.Fprintf(w, "%-14s %2d gatekeepers: %8.0f tx/s committed (%d txs in %.1f s, %d blocks, mean block interval %d ms, %d-byte txs",
						e.Engine, e.Gatekeepers, e.TxsPerSecond, e.Committed, e.Window.Seconds(), e.Blocks, e.BlockInterval.Milliseconds(), e.TxBytes)
					if e.Refused > 0 {
						fmt.Fprintf(w, ", %d refused", e.Refused)
					}
					fmt.Fprintln(w, ")")
				}
				fmt.Fprintf(w, "ratio: Phalanx commits %.0f %% of the bare engine's rate\n", 100*r.Ratio)
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Gatekeepers, "gatekeepers", 4, "gatekeepers (validators) in the network")
	f.IntVar(&seconds, "seconds", 20, "length of the measured window for each engine")
	f.IntVar(&cfg.Accounts, "accounts", 2000, "sending accounts")
	f.DurationVar(&cfg.BlockTime, "block-time", 500*time.Millisecond, "commit timeout, as in the devnet")
	f.IntVar(&cfg.MempoolTarget, "mempool-target", 12000, "pause submitting to a node while its mempool holds more transactions than this")
	f.IntVar(&cfg.BasePort, "base-port", 0, "first port of the benchmark networks (default: a free one)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log the networks' progress")
	f.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to this file (read it with go tool pprof)")
	return cmd
}

func newBenchSyncCmd(c *cli) *cobra.Command {
	var cfg bench.SyncConfig
	var verbose bool
	var cpuprofile string
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Measure how fast a new worker verifies a chain from genesis, and a restart from a checkpoint",
		Long: `Starts a fresh devnet in a temporary directory with a very short block time and
sends transfers until it has made --blocks blocks with transactions in them.
Then a new worker's chain follower verifies every header from genesis over
gk0's HTTP RPC (CometBFT's light-client checks: each commit against the
validator set, each header chained to the last) and proves a state key
against the final app hash; the figure is blocks verified per second. Last,
it times restarts from a checkpoint: decode it, connect, verify the next block.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC()
			if verbose {
				cfg.Log = slog.New(slog.NewTextHandler(c.stderr, nil))
			}
			var bar *progressbar.ProgressBar
			cfg.Progress = func(h, target int64) {
				if !isTerminal(c.stderr) {
					return
				}
				if bar == nil {
					bar = progressbar.NewOptions64(target, progressbar.OptionSetWriter(c.stderr),
						progressbar.OptionSetDescription("building the chain"), progressbar.OptionShowCount(),
						progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond))
				}
				_ = bar.Set64(h)
				if h >= target {
					_ = bar.Finish()
					fmt.Fprintln(c.stderr)
				}
			}
			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return err
				}
				defer f.Close()
				cfg.CPUProfile = f
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			fmt.Fprintf(c.stderr, "Benchmark: a %d-gatekeeper chain of %d blocks, then a worker syncs it from genesis\n", cfg.Gatekeepers, cfg.Blocks)
			r, err := bench.RunSync(ctx, cfg)
			if err != nil {
				return err
			}
			return c.print(r, func(w io.Writer) {
				fmt.Fprintf(w, "chain: %d blocks (%d with transactions, %d transfers) built in %.0f s by %d gatekeepers\n",
					r.Blocks, r.TxBlocks, r.Submitted, r.Build.Seconds(), r.Gatekeepers)
				fmt.Fprintf(w, "sync from genesis: %d blocks verified in %.2f s = %.0f blocks/s (batch %d, prefetch %d, %d witnesses)\n",
					r.Blocks, r.Sync.Seconds(), r.BlocksPerSecond, r.Batch, r.Prefetch, r.Witnesses)
				fmt.Fprintf(w, "restart from a checkpoint (%d bytes): %.1f ms median, %.1f ms slowest\n",
					r.CheckpointBytes, float64(r.Restart.Microseconds())/1000, float64(r.RestartMax.Microseconds())/1000)
			})
		},
	}
	f := cmd.Flags()
	f.Int64Var(&cfg.Blocks, "blocks", 5000, "height of the chain to build and sync")
	f.IntVar(&cfg.Gatekeepers, "gatekeepers", 4, "gatekeepers (validators) of the chain")
	f.IntVar(&cfg.TxsPerBlock, "txs-per-block", 3, "transfers sent for each new block while the chain is built")
	f.BoolVar(&cfg.Live, "live", false, "keep the gatekeepers making blocks while the worker syncs")
	f.IntVar(&cfg.Witnesses, "witnesses", 0, "keep this many other gatekeepers up as the worker's witnesses (its light client cross-checks with them)")
	f.IntVar(&cfg.BasePort, "base-port", 0, "first port of the benchmark network (default: a free one)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log the network's progress")
	f.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the sync from genesis to this file")
	return cmd
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newBenchContractsCmd(c *cli) *cobra.Command {
	var cfg bench.ContractsConfig
	var verbose bool
	var cpuprofile string
	cmd := &cobra.Command{
		Use:   "contracts",
		Short: "Measure encrypted queries and commands on the vault contract",
		Long: `Starts a fresh devnet (one gatekeeper, one worker) in a temporary directory,
deploys the vault contract (the example built into the binary, or --vault), and measures, each for
--duration with --concurrency clients: the server's HPKE work alone (open a
request, seal an answer), the contract query alone (in-process, no
encryption), encrypted one-shot queries over HTTP, and encrypted queries in
sessions. Then it sends --commands commands from four accounts and reports
commands recorded per second and the blocks between a command's
transaction and its recorded result.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC()
			if verbose {
				cfg.Log = slog.New(slog.NewTextHandler(c.stderr, nil))
			}
			cfg.Phase = func(s string) { fmt.Fprintf(c.stderr, "... %s\n", s) }
			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return err
				}
				defer f.Close()
				cfg.CPUProfile = f
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			r, err := bench.RunContracts(ctx, cfg)
			if err != nil {
				return err
			}
			return c.print(r, func(w io.Writer) {
				fmt.Fprintf(w, "Confidential contracts, 1 worker, GOMAXPROCS %d, %d concurrent clients:\n", r.GOMAXPROCS, r.Concurrency)
				row := func(name string, x bench.Rate) {
					fmt.Fprintf(w, "  %-34s %9.0f /s   p50 %8v   p99 %8v\n", name, x.PerSecond, x.P50.Round(time.Microsecond), x.P99.Round(time.Microsecond))
				}
				row("HPKE open+seal alone", r.HPKE)
				row("contract alone (no encryption)", r.Unsealed)
				row("encrypted queries, one-shot", r.PerRequest)
				row("encrypted queries, session", r.Session)
				row("commands, end to end", r.Commands)
				if r.HPKE.PerSecond > 0 && r.Unsealed.PerSecond > 0 {
					fmt.Fprintf(w, "One-shot queries reach %.0f%% of the HPKE rate; sessions %.0f%% of the contract-alone rate.\n",
						100*r.PerRequest.PerSecond/r.HPKE.PerSecond, 100*r.Session.PerSecond/r.Unsealed.PerSecond)
				}
				fmt.Fprintf(w, "Blocks from a command's transaction to its recorded result: median %.0f, max %d (blocks every %v).\n",
					r.BlocksMedian, r.BlocksMax, r.BlockInterval)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Vault, "vault", "", "directory of a vault contract to build (default: the example vault built into this binary)")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "length of each query phase")
	f.IntVar(&cfg.Concurrency, "concurrency", 0, "concurrent clients (default 4 x GOMAXPROCS)")
	f.IntVar(&cfg.Commands, "commands", 40, "commands to send end to end")
	f.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the session-query phase to this file")
	f.BoolVar(&verbose, "verbose", false, "log the devnet")
	return cmd
}
