package main

import (
	"context"
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
)

func newDevnetCmd(c *cli) *cobra.Command {
	var cfg devnet.Config
	var logLevel, cometLevel string
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
			if cfg.CometLogLevel, err = parseLevel(cometLevel); err != nil {
				return err
			}
			cfg.Log = slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: lvl}))
			fmt.Fprintf(c.stdout, "Devnet home: %s\n", c.home)

			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
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
	f.IntVar(&cfg.BasePort, "base-port", 26656, "gk0's P2P port; gatekeeper i uses base+10i for P2P and base+10i+1 for RPC")
	f.DurationVar(&cfg.BlockTime, "block-time", 500*time.Millisecond, "commit timeout: the pause between blocks")
	f.StringVar(&cfg.ChainID, "chain-id", "phalanx-devnet", "chain id of a new devnet")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&cometLevel, "comet-log-level", "error", "log level of CometBFT itself")
	return cmd
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
	for _, g := range info.Gatekeepers {
		fmt.Fprintf(w, "  %s  RPC %s  (node %s)\n", g.Name, g.RPC, g.NodeID)
		if g.Enclave != (crypto.PublicKey{}) {
			fmt.Fprintf(w, "       enclave %s (sim)\n", g.Enclave)
		}
	}
	if len(info.Workers) > 0 {
		fmt.Fprintf(w, "Workers (registered; %s):\n", "sim TEE, which protects nothing")
		for _, wk := range info.Workers {
			fmt.Fprintf(w, "  %s  id %s  operator %s\n", wk.Name, wk.ID, wk.Operator)
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
	fmt.Fprintf(w, "Press Ctrl-C to stop.\n\n")
}
