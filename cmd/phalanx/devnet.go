package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/examples"
	"github.com/phalanx-net/phalanx/wasm/gobuild"
)

func newDevnetCmd(c *cli) *cobra.Command {
	var cfg devnet.Config
	var logLevel, cometLevel, examplesDir string
	var noExamples bool
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Run a whole Phalanx network on this machine (Ctrl-C stops it)",
		Long: `Runs N gatekeepers (CometBFT validators) in this process on 127.0.0.1, with
a genesis that holds the seed's allocation and prefunded development keys
(alice, bob, carol, dave) in an unencrypted test keyring, and M workers on
the sim TEE platform, registered on the chain before the devnet is ready.
The sim platform protects nothing: a devnet is for development.

The devnet lives in --home (default ~/.phalanx). When it is ready it writes
devnet.json there, and every other command with the same --home talks to it
without further flags. Started again on the same home, it resumes at the same
height and state. A home holds either a devnet or a node made by
` + "`phalanx init`" + `, never both.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(filepath.Join(c.home, "config", "config.toml")); err == nil {
				return fmt.Errorf("%s is a node home made by `phalanx init`; run the devnet in another --home", c.home)
			}
			cfg.Home = c.home
			tuneGC()
			lvl, err := parseLevel(logLevel)
			if err != nil {
				return err
			}
			clvl, err := parseLevel(cometLevel)
			if err != nil {
				return err
			}
			cfg.CometLogLevel = clvl
			cfg.Log = slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: lvl}))
			fmt.Fprintf(c.stdout, "Devnet home: %s\n", c.home)
			if !noExamples {
				if cfg.Contracts, err = exampleContracts(c, examplesDir); err != nil {
					return err
				}
			}

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			d, err := devnet.Start(ctx, cfg)
			if err != nil {
				return err
			}
			printDevnet(c.stdout, d.Info())
			<-ctx.Done()
			fmt.Fprintln(c.stdout, "Stopping the devnet...")
			done := make(chan error, 1)
			go func() { done <- d.Stop() }()
			select {
			case err := <-done:
				if err != nil {
					return err
				}
			case <-time.After(30 * time.Second):
				return fmt.Errorf("the devnet did not stop within 30 s")
			}
			fmt.Fprintf(c.stdout, "Stopped. Run `phalanx devnet` with the same --home to resume.\n")
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Gatekeepers, "gatekeepers", 4, "number of gatekeepers (validators) of a new devnet")
	f.IntVar(&cfg.Workers, "workers", 2, "number of sim workers to run and register")
	f.IntVar(&cfg.BasePort, "base-port", 0, "gk0's P2P port; gatekeeper i uses base+10i for P2P and base+10i+1 for RPC (default 26656 for a new devnet; a devnet keeps the port it was created with)")
	f.DurationVar(&cfg.BlockTime, "block-time", 500*time.Millisecond, "commit timeout: the pause between blocks")
	f.StringVar(&cfg.ChainID, "chain-id", "phalanx-devnet", "chain id of a new devnet")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&cometLevel, "comet-log-level", "error", "log level of CometBFT itself")
	f.StringVar(&examplesDir, "examples", "", "build the example contracts a new devnet deploys from `DIR`/vault and DIR/auction (default: their sources built into phalanx)")
	f.BoolVar(&noExamples, "no-examples", false, "deploy no example contracts (the devnet still has its cluster 0)")
	return cmd
}

// exampleContracts builds the example contracts the devnet deploys,
// unless the devnet in --home has deployed them already: from their
// sources in dir, or by default from the sources built into this binary,
// written into a temporary module, so that no checkout is needed. Without
// the Go toolchain it says so and deploys none.
func exampleContracts(c *cli, dir string) ([]devnet.Contract, error) {
	if info, err := devnet.ReadInfo(c.home); err == nil && len(info.Contracts) > 0 {
		return nil, nil
	}
	var out []devnet.Contract
	for _, name := range examples.Deployed {
		var wasm []byte
		var err error
		if dir != "" {
			src := filepath.Join(dir, name)
			fmt.Fprintf(c.stdout, "Building the %s contract from %s...\n", name, src)
			wasm, err = gobuild.Module(src)
		} else {
			fmt.Fprintf(c.stdout, "Building the %s example contract...\n", name)
			var files map[string][]byte
			if files, err = examples.Files(name); err == nil {
				wasm, err = gobuild.BuildFiles(name, files)
			}
		}
		if errors.Is(err, gobuild.ErrNoToolchain) {
			fmt.Fprintf(c.stderr, "%v\nNo example contracts deployed; the devnet still has its cluster 0.\n", err)
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("example contract %s: %w", name, err)
		}
		out = append(out, devnet.Contract{Name: name, Wasm: wasm})
	}
	return out, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func printDevnet(w io.Writer, info devnet.Info) {
	fmt.Fprintf(w, "\nThe devnet is running: chain %s with %d gatekeepers.\n", info.ChainID, len(info.Gatekeepers))
	if info.Dashboard != "" {
		fmt.Fprintf(w, "Dashboard and explorer: %s\n", info.Dashboard)
	}
	if info.Metrics != "" {
		fmt.Fprintf(w, "Prometheus metrics: %s\n", info.Metrics)
	}
	for _, g := range info.Gatekeepers {
		fmt.Fprintf(w, "  %s  RPC %s  (node %s)\n", g.Name, g.RPC, g.NodeID)
		if g.Enclave != (crypto.PublicKey{}) {
			fmt.Fprintf(w, "       enclave %s (sim)\n", g.Enclave)
		}
	}
	if len(info.Workers) > 0 {
		fmt.Fprintf(w, "Workers (registered; %s):\n", "sim TEE, which protects nothing")
		for _, wk := range info.Workers {
			fmt.Fprintf(w, "  %s  id %s  operator %s  queries %s\n", wk.Name, wk.ID, wk.Operator, wk.Query)
		}
	}
	for _, cl := range info.Clusters {
		fmt.Fprintf(w, "Cluster %d: %d workers\n", cl.ID, len(cl.Workers))
	}
	if len(info.Contracts) > 0 {
		fmt.Fprintf(w, "Confidential contracts:\n")
		for _, ct := range info.Contracts {
			fmt.Fprintf(w, "  %-8s %s (cluster %d)\n", ct.Name, ct.ID, ct.Cluster)
		}
	}
	fmt.Fprintf(w, "Keys in the test keyring (unencrypted, for development only):\n")
	for _, k := range info.Keys {
		fmt.Fprintf(w, "  %-13s %s\n", k.Name, k.Address)
	}
	fmt.Fprintf(w, "Written to %s.\n", filepath.Join(info.Home, devnet.InfoFile))
	home := ""
	if info.Home != defaultHome() {
		home = " --home " + info.Home
	}
	fmt.Fprintf(w, "Try, in another terminal:\n  phalanx tx send alice bob 12.5PHA%s\n  phalanx query balance bob%s\n  phalanx query workers%s\n", home, home, home)
	if len(info.Contracts) > 0 {
		fmt.Fprintf(w, "  phalanx contract call alice vault deposit 100%s\n  phalanx contract query alice vault my_balance%s\n", home, home)
	}
	fmt.Fprintf(w, "Press Ctrl-C to stop.\n\n")
}
