package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	"github.com/phalanx-net/phalanx/chain/pha"
)

// newTxPoolCmd is `phalanx tx pool ...`: stake pools.
func newTxPoolCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "pool", Short: "Create stake pools, add and start workers, delegate, withdraw and claim"}
	poolID := func(s string) (uint64, error) {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("pool id %q: %w", s, err)
		}
		return id, nil
	}
	worker := func(s string) ([32]byte, error) { return parsePublicKey(s) }
	var commission, cap string
	create := newTxMsgCmd(c, "create OWNER", "Create a stake pool owned by OWNER (--commission 0..100, --cap)", 1, func(args []string) (module.Msg, error) {
		pct, err := fixed.Parse(strings.TrimSuffix(commission, "%"))
		if err != nil {
			return nil, fmt.Errorf("--commission: %w", err)
		}
		frac, err := pct.Div(fixed.Int(100))
		if err != nil {
			return nil, err
		}
		var capAmt pha.Amount
		if cap != "" {
			if capAmt, err = pha.Parse(cap); err != nil {
				return nil, fmt.Errorf("--cap: %w", err)
			}
		}
		return &stakepool.MsgCreate{Commission: frac, Cap: capAmt}, nil
	})
	create.Flags().StringVar(&commission, "commission", "10", "the owner's part of the pool's rewards, in percent")
	create.Flags().StringVar(&cap, "cap", "", "the most PHA the pool takes (default: no cap)")
	workerMsg := func(use, short string, mk func(uint64, [32]byte, []string) (module.Msg, error), n int) *cobra.Command {
		return newTxMsgCmd(c, use, short, n, func(args []string) (module.Msg, error) {
			id, err := poolID(args[1])
			if err != nil {
				return nil, err
			}
			w, err := worker(args[2])
			if err != nil {
				return nil, fmt.Errorf("worker id: %w", err)
			}
			return mk(id, w, args)
		})
	}
	amountMsg := func(use, short string, mk func(uint64, pha.Amount) module.Msg) *cobra.Command {
		return newTxMsgCmd(c, use, short, 3, func(args []string) (module.Msg, error) {
			id, err := poolID(args[1])
			if err != nil {
				return nil, err
			}
			amt, err := pha.Parse(args[2])
			if err != nil {
				return nil, err
			}
			return mk(id, amt), nil
		})
	}
	cmd.AddCommand(create,
		workerMsg("add-worker OWNER POOL WORKER", "Add a worker OWNER operates to the pool", func(p uint64, w [32]byte, _ []string) (module.Msg, error) {
			return &stakepool.MsgAddWorker{Pool: p, Worker: w}, nil
		}, 3),
		workerMsg("start-worker OWNER POOL WORKER STAKE", "Start a pool's worker computing with STAKE of the pool's free stake", func(p uint64, w [32]byte, args []string) (module.Msg, error) {
			amt, err := pha.Parse(args[3])
			return &stakepool.MsgStartWorker{Pool: p, Worker: w, Stake: amt}, err
		}, 4),
		workerMsg("stop-worker OWNER POOL WORKER", "Stop a pool's worker; its stake comes back after the cooldown", func(p uint64, w [32]byte, _ []string) (module.Msg, error) {
			return &stakepool.MsgStopWorker{Pool: p, Worker: w}, nil
		}, 3),
		workerMsg("reclaim-worker OWNER POOL WORKER", "Return a cooled-down worker's stake to the pool", func(p uint64, w [32]byte, _ []string) (module.Msg, error) {
			return &stakepool.MsgReclaimWorker{Pool: p, Worker: w}, nil
		}, 3),
		amountMsg("delegate FROM POOL AMOUNT", "Delegate AMOUNT of PHA to the pool", func(p uint64, a pha.Amount) module.Msg { return &stakepool.MsgDelegate{Pool: p, Amount: a} }),
		amountMsg("withdraw FROM POOL AMOUNT", "Withdraw delegated PHA: at once from free stake, or queued until stake is freed", func(p uint64, a pha.Amount) module.Msg {
			return &stakepool.MsgWithdraw{Pool: p, Amount: a}
		}),
		newTxMsgCmd(c, "claim FROM POOL", "Claim FROM's rewards from the pool (and the commission, for its owner)", 2, func(args []string) (module.Msg, error) {
			id, err := poolID(args[1])
			return &stakepool.MsgClaim{Pool: id}, err
		}),
	)
	return cmd
}

// newTxMsgCmd makes a command that sends one message from the key named
// by its first argument.
func newTxMsgCmd(c *cli, use, short string, nargs int, msg func(args []string) (module.Msg, error)) *cobra.Command {
	var f txFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := msg(args)
			if err != nil {
				return err
			}
			key, cl, ctx, cancel, err := c.signer(args[0])
			if err != nil {
				return err
			}
			defer cancel()
			res, err := cl.Submit(ctx, key, []module.Msg{m}, f.options())
			if res == nil && err != nil {
				return c.txError(err)
			}
			if perr := c.printTxResult(res, func(w io.Writer) { fmt.Fprintf(w, "%s from %s\n", m.Type(), args[0]) }); perr != nil {
				return perr
			}
			return err
		},
	}
	f.add(cmd)
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

// newQueryPoolCmds are `phalanx query pool ID` and `phalanx query pools`.
func newQueryPoolCmds(c *cli) []*cobra.Command {
	show := func(w io.Writer, p stakepool.Pool) {
		cp, _ := p.Commission.Mul(fixed.Int(100))
		capText := "none"
		if !p.Cap.IsZero() {
			capText = p.Cap.PHA()
		}
		fmt.Fprintf(w, "Pool %d  owner %s  commission %s%%  cap %s\n", p.ID, p.Owner, cp, capText)
		fmt.Fprintf(w, "  stake %s (free %s), rewarded %s, commission unclaimed %s\n", p.Stake.PHA(), p.Free.PHA(), p.Rewarded.PHA(), p.OwnerRewards.PHA())
		for _, wk := range p.Workers {
			fmt.Fprintf(w, "  worker %s\n", wk)
		}
		for _, q := range p.Queue {
			fmt.Fprintf(w, "  queued withdrawal: %s to %s\n", q.Amount.PHA(), q.Delegator)
		}
	}
	one := &cobra.Command{
		Use:   "pool ID",
		Short: "Show a stake pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("pool id: %w", err)
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			p, err := cl.Pool(ctx, id)
			if err != nil {
				return c.explainConn(err)
			}
			return c.print(p, func(w io.Writer) { show(w, p) })
		},
	}
	c.addClientFlags(one)
	all := &cobra.Command{
		Use:   "pools",
		Short: "List the stake pools",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			ps, err := cl.Pools(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			return c.print(ps, func(w io.Writer) {
				for _, p := range ps {
					show(w, p)
				}
				if len(ps) == 0 {
					fmt.Fprintln(w, "No stake pools.")
				}
			})
		},
	}
	c.addClientFlags(all)
	return []*cobra.Command{one, all}
}
