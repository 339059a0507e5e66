package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/simulate"
)

func newSimulateCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "simulate", Short: "Run the chain's economics on a synthetic population"}
	var cfg simulate.Config
	var every int
	rewards := &cobra.Command{
		Use:   "rewards",
		Short: "Simulate computing rewards over days of block time and compare them with the budget schedule",
		Long: `Runs the computing and stake pool modules' own code over an in-memory state
with --workers synthetic workers (scores 500 to 3,000, each in its own pool
with the minimum stake, answering every challenge) for --days days of block
time, a block every --step, without consensus. Prints the emission per day,
the cumulative emission against the closed-form schedule (720,000 PHA a day,
x0.75 every 180 days), and each party's share.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var bar *progressbar.ProgressBar
			if isTerminal(c.stderr) {
				bar = progressbar.NewOptions(cfg.Days, progressbar.OptionSetWriter(c.stderr), progressbar.OptionSetDescription("simulating days"),
					progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond))
				cfg.Progress = func(d, _ int) { _ = bar.Set(d) }
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			r, err := simulate.Rewards(ctx, cfg)
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(c.stderr)
			}
			if err != nil {
				return err
			}
			return c.print(r, func(w io.Writer) {
				fmt.Fprintf(w, "%d workers, %d days of block time, a block every %v\n", cfg.Workers, cfg.Days, cfg.Step)
				fmt.Fprintf(w, "%6s %22s %26s %26s\n", "day", "emitted that day", "cumulative", "schedule")
				for _, d := range r.Days {
					if d.Day%every == 0 || d.Day == len(r.Days) {
						fmt.Fprintf(w, "%6d %22s %26s %26s\n", d.Day, d.Emitted.PHA(), d.Cumulative.PHA(), d.Schedule.PHA())
					}
				}
				fmt.Fprintf(w, "Total emitted %s against the schedule's %s: deviation %s\n", r.Total.PHA(), r.Schedule.PHA(), r.Deviation)
				fmt.Fprintf(w, "To the workers' pools %s, to the gatekeepers %s, to the treasury %s; the reward pool keeps %s\n",
					r.ToWorkers.PHA(), r.ToGatekeepers.PHA(), r.ToTreasury.PHA(), r.PoolLeft.PHA())
			})
		},
	}
	f := rewards.Flags()
	f.IntVar(&cfg.Workers, "workers", 100, "number of workers")
	f.IntVar(&cfg.Days, "days", 365, "days of block time")
	f.DurationVar(&cfg.Step, "step", 10*time.Minute, "block time between simulated blocks")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the population's scores")
	f.IntVar(&every, "every", 30, "print every this many days")
	cmd.AddCommand(rewards)
	return cmd
}
