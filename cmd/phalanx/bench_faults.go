package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/e2e"
)

func newBenchFaultsCmd(c *cli) *cobra.Command {
	var manifest, dir string
	var keep, commands bool
	cmd := &cobra.Command{
		Use:   "faults",
		Short: "Kill, restart and wipe nodes of a network of processes under load, check the guarantees, measure",
		Long: `Starts a network of separate phalanx processes (gatekeepers with node start,
workers with worker start) in a temporary directory, sends transfers from
several accounts, and perturbs the nodes as --manifest lists: the long form
kills one and then two of four gatekeepers, one and two of three workers,
wipes a gatekeeper (it block-syncs back) and a worker, pauses a gatekeeper.
At the end it checks that no acknowledged transfer was lost or applied
twice (balances and nonces add up exactly), every gatekeeper has the same
app hash, the chain advanced after every step that left a quorum up, and no
worker registered twice; then it prints the block rate and the commit
latency (p50, p99) with every gatekeeper up and with gatekeepers down.

--manifest is "long" (the default), "short" (what go test ./e2e runs),
"commands" (deposit commands to the vault contract across worker restarts)
or a JSON file of the same shape (see e2e/manifests/). --commands adds the
vault and its commands to any manifest with a worker.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := e2e.Builtin(manifest)
			if strings.HasSuffix(manifest, ".json") {
				m, err = e2e.LoadManifest(manifest)
			}
			if err != nil {
				return err
			}
			if commands {
				m.Commands = true
				if err := m.Validate(); err != nil {
					return err
				}
			}
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			if dir == "" {
				if dir, err = os.MkdirTemp("", "phalanx-faults-*"); err != nil {
					return err
				}
				defer func() {
					if !keep {
						os.RemoveAll(dir)
					}
				}()
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			fmt.Fprintf(c.stderr, "Fault run: %d gatekeepers, %d workers, %d senders, %d steps; nodes in %s\n",
				m.Gatekeepers, m.Workers, m.Senders, len(m.Perturbations), dir)
			start := time.Now()
			r, err := e2e.Run(ctx, e2e.Config{Binary: bin, Dir: dir, Manifest: m, Log: c.stderr})
			if err != nil {
				fmt.Fprintf(c.stderr, "the nodes' homes and logs are kept in %s\n", dir)
				keep = true
				return fmt.Errorf("fault run: %w", err)
			}
			return c.print(r, func(w io.Writer) {
				fmt.Fprintf(w, "held: %d transfers and %d commands acknowledged of %d sent, none lost or applied twice; app hash %.16s... on all %d gatekeepers at height %d (run %.0f s)\n",
					r.Acknowledged, r.Commands, r.Sent, r.AppHash, m.Gatekeepers, r.Height, time.Since(start).Seconds())
				for _, s := range r.Steps {
					rec := "no quorum left: the chain waits"
					if s.Recovered > 0 {
						rec = fmt.Sprintf("recovered in %.1f s", s.Recovered.Seconds())
					}
					fmt.Fprintf(w, "  %-12s at height %4d: %s\n", s.Step, s.Height, rec)
				}
				for name, k := range r.IndexMisses {
					fmt.Fprintf(w, "  note: %s's /tx does not find %d transfers that are in its blocks (killed between commit and indexing)\n", name, k)
				}
				for _, p := range r.Phases {
					fmt.Fprintf(w, "%-20s %6.0f s  %5d blocks  %.2f blocks/s  %5d transfers  commit p50 %v  p99 %v\n",
						p.Name, p.Seconds, p.Blocks, p.BlockRate, p.Transfers, p.P50.Round(time.Millisecond), p.P99.Round(time.Millisecond))
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&manifest, "manifest", "long", "the run: long, short, or a manifest file (.json)")
	f.StringVar(&dir, "dir", "", "directory for the nodes' homes and logs (default: a temporary one, removed unless the run fails)")
	f.BoolVar(&keep, "keep", false, "keep the temporary directory")
	f.BoolVar(&commands, "commands", false, "deploy the vault contract and send deposit commands beside the transfers; check each is executed once")
	return cmd
}
