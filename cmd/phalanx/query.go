package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/app"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/sdk/client"
)

func newQueryCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "query",
		Aliases: []string{"q"},
		Short:   "Read the chain's state",
	}
	cmd.AddCommand(newQueryBalanceCmd(c), newQueryVestingCmd(c), newQuerySupplyCmd(c), newQueryAccountCmd(c), newQueryTxCmd(c),
		newQueryWorkersCmd(c), newQueryWorkerCmd(c), newQueryGatekeepersCmd(c), newQueryCollateralCmd(c))
	cmd.AddCommand(newQueryPoolCmds(c)...)
	cmd.AddCommand(newQueryStakingCmd(c), newQueryGovCmd(c))
	return cmd
}

type balanceOut struct {
	Address crypto.Address `json:"address"`
	Balance pha.Amount     `json:"balance"`
	PHA     string         `json:"balance_pha"`
	Height  int64          `json:"height"`
	Proven  bool           `json:"proven"`
}

type vestingOut struct {
	Address   crypto.Address `json:"address"`
	Vests     bool           `json:"vests"`
	Schedule  *bank.Vesting  `json:"schedule,omitempty"`
	Balance   pha.Amount     `json:"balance"`
	Locked    pha.Amount     `json:"locked"`
	Spendable pha.Amount     `json:"spendable"`
	At        time.Time      `json:"at"`
	Height    int64          `json:"height"`
}

func newQueryVestingCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vesting ADDRESS|KEY",
		Short: "Show an account's vesting: its schedule, and what is locked and spendable now",
		Long: `Shows the vesting schedule genesis set on an account (the seed's private
sale and developers' allocations vest), and at the latest block's time how
much of its balance is still locked and how much can be spent. Locked PHA
stays in the account and counts in the supply, but cannot be transferred,
pay a fee or be staked.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := c.resolveAddress(args[0])
			if err != nil {
				return err
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			st, err := cl.Status(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			v, ok, h, err := cl.Vesting(ctx, addr, false)
			if err != nil {
				return c.explainConn(err)
			}
			bal, _, err := cl.Balance(ctx, addr, false)
			if err != nil {
				return c.explainConn(err)
			}
			now := st.SyncInfo.LatestBlockTime
			out := vestingOut{Address: addr, Vests: ok, Balance: bal, Spendable: bal, At: now, Height: h}
			if ok {
				out.Schedule = &v
				out.Locked = v.Locked(now.Unix())
				if out.Spendable, err = bal.Sub(out.Locked); err != nil {
					out.Spendable = pha.Zero
				}
			}
			return c.print(out, func(w io.Writer) {
				if !ok {
					fmt.Fprintf(w, "%s does not vest: all of its %s can be spent (state at height %d)\n", describe(args[0], addr), bal.PHA(), h)
					return
				}
				day := func(t int64) string { return time.Unix(t, 0).UTC().Format(time.DateOnly) }
				fmt.Fprintf(w, "%s vests %s: locked until %s, then released linearly from %s to %s\n", describe(args[0], addr), v.Amount.PHA(), day(v.Cliff), day(v.Start), day(v.End))
				fmt.Fprintf(w, "  balance    %s\n  locked     %s\n  spendable  %s\n(at %s, state at height %d)\n", bal.PHA(), out.Locked.PHA(), out.Spendable.PHA(), now.UTC().Format(time.RFC3339), h)
			})
		},
	}
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

func newQueryBalanceCmd(c *cli) *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:   "balance ADDRESS|KEY",
		Short: "Show an account's PHA balance",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := c.resolveAddress(args[0])
			if err != nil {
				return err
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			bal, h, err := cl.Balance(ctx, addr, prove)
			if err != nil {
				return c.explainConn(err)
			}
			out := balanceOut{Address: addr, Balance: bal, PHA: bal.PHA(), Height: h, Proven: prove}
			return c.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "%s holds %s (state at height %d", describe(args[0], addr), bal.PHA(), h)
				if prove {
					fmt.Fprint(w, ", Merkle proof checked against the app hash of the next block")
				}
				fmt.Fprintln(w, ")")
			})
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "check the answer's Merkle proof against the block header")
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

type supplyOut struct {
	Supply       pha.Amount `json:"supply"`
	SupplyPHA    string     `json:"supply_pha"`
	RewardPool   pha.Amount `json:"reward_pool"`
	FeeCollector pha.Amount `json:"fee_collector"`
	Height       int64      `json:"height"`
}

func newQuerySupplyCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "supply",
		Short: "Show the total PHA supply and the module accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			s, h, err := cl.Supply(ctx, false)
			if err != nil {
				return c.explainConn(err)
			}
			pool, _, err := cl.Balance(ctx, crypto.ModuleAddress(bank.RewardPool), false)
			if err != nil {
				return err
			}
			fees, _, err := cl.Balance(ctx, crypto.ModuleAddress(bank.FeeCollector), false)
			if err != nil {
				return err
			}
			out := supplyOut{Supply: s, SupplyPHA: s.PHA(), RewardPool: pool, FeeCollector: fees, Height: h}
			return c.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Total supply   %s\nReward pool    %s  (%s)\nFee collector  %s  (%s)\n(state at height %d)\n",
					s.PHA(), pool.PHA(), crypto.ModuleAddress(bank.RewardPool), fees.PHA(), crypto.ModuleAddress(bank.FeeCollector), h)
			})
		},
	}
	c.addClientFlags(cmd)
	return cmd
}

func newQueryAccountCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account ADDRESS|KEY",
		Short: "Show an account's next nonce and balance",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := c.resolveAddress(args[0])
			if err != nil {
				return err
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			acc, err := cl.Account(ctx, addr)
			if err != nil {
				return c.explainConn(err)
			}
			bal, h, err := cl.Balance(ctx, addr, false)
			if err != nil {
				return err
			}
			out := struct {
				Address crypto.Address `json:"address"`
				Nonce   uint64         `json:"nonce"`
				Balance pha.Amount     `json:"balance"`
				Height  int64          `json:"height"`
			}{addr, acc.Nonce, bal, h}
			return c.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Account %s\n  next nonce %d\n  balance    %s\n(state at height %d)\n", addr, acc.Nonce, bal.PHA(), h)
			})
		},
	}
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

// txOut is a committed transaction, decoded for people.
type txOut struct {
	*client.Result
	Sender   crypto.Address `json:"sender"`
	Nonce    uint64         `json:"nonce"`
	GasLimit uint64         `json:"gas_limit"`
	GasPrice uint64         `json:"gas_price"`
	Memo     string         `json:"memo,omitempty"`
	Messages []msgOut       `json:"messages"`
}

type msgOut struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

func newQueryTxCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx HASH",
		Short: "Show a committed transaction: block, result, fee and messages",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := hexHash(args[0])
			if err != nil {
				return err
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			res, err := cl.Tx(ctx, hash)
			if err != nil {
				return c.explainConn(err)
			}
			out := txOut{Result: res}
			if t := res.Tx; t != nil {
				out.Sender, out.Nonce, out.Memo = t.Body.SenderAddress(), t.Body.Nonce, t.Body.Memo
				out.GasLimit, out.GasPrice = t.Body.Fee.GasLimit, t.Body.Fee.GasPrice
				r := app.NewRouter()
				for _, m := range t.Body.Msgs {
					out.Messages = append(out.Messages, decodeMsg(r, m.Type, m.Value))
				}
			}
			return c.print(out, func(w io.Writer) {
				status := "succeeded"
				if res.Code != 0 {
					status = "failed: " + res.Log
				}
				fmt.Fprintf(w, "Transaction %s\n  block   %d\n  result  %s\n  sender  %s (nonce %d)\n  gas     %d used of %d, at %d units/gas\n  fee     %s\n",
					res.Hash, res.Height, status, out.Sender, out.Nonce, res.GasUsed, out.GasLimit, out.GasPrice, res.Fee.PHA())
				if out.Memo != "" {
					fmt.Fprintf(w, "  memo    %q\n", out.Memo)
				}
				for i, m := range out.Messages {
					v, _ := json.Marshal(m.Value)
					fmt.Fprintf(w, "  message %d: %s %s\n", i, m.Type, v)
				}
			})
		},
	}
	c.addClientFlags(cmd)
	return cmd
}

func decodeMsg(r *module.Router, typ string, raw []byte) msgOut {
	m, known, err := r.Decode(typ, raw)
	if !known || err != nil {
		return msgOut{Type: typ, Value: fmt.Sprintf("%x", raw)}
	}
	return msgOut{Type: typ, Value: m}
}

// newQueryEnclavesCmd lists enclave records of one kind.
func newQueryEnclavesCmd(c *cli, use, short string, list func(*client.Client, context.Context) ([]registry.Enclave, error), print func(io.Writer, []registry.Enclave)) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			es, err := list(cl, ctx)
			if err != nil {
				return c.explainConn(err)
			}
			return c.print(es, func(w io.Writer) {
				if len(es) == 0 {
					fmt.Fprintf(w, "No %s registered.\n", use)
					return
				}
				print(w, es)
			})
		},
	}
	c.addClientFlags(cmd)
	return cmd
}

func newQueryWorkersCmd(c *cli) *cobra.Command {
	// The last sign of life is the newer of the registry's online message
	// and the computing module's last heartbeat.
	var beats map[crypto.PublicKey]int64
	list := func(cl *client.Client, ctx context.Context) ([]registry.Enclave, error) {
		ws, err := cl.Workers(ctx)
		if err != nil {
			return nil, err
		}
		comps, err := cl.ComputingWorkers(ctx)
		if err != nil {
			return nil, err
		}
		beats = make(map[crypto.PublicKey]int64, len(comps))
		for _, cw := range comps {
			beats[cw.ID] = cw.LastHeartbeatHeight
		}
		return ws, nil
	}
	return newQueryEnclavesCmd(c, "workers", "List the registered workers", list, func(w io.Writer, ws []registry.Enclave) {
		fmt.Fprintf(w, "%-64s  %-8s  %-43s  %s\n", "ID", "PLATFORM", "OPERATOR", "LAST ONLINE")
		insecure := false
		for _, e := range ws {
			p := e.Platform
			if e.Insecure() {
				p += "*"
				insecure = true
			}
			fmt.Fprintf(w, "%-64s  %-8s  %-43s  %d\n", e.Identity, p, e.Operator, max(e.LastSeenHeight, beats[e.Identity]))
		}
		if insecure {
			fmt.Fprintln(w, "* sim: no hardware protects these workers; development only.")
		}
	})
}

func newQueryGatekeepersCmd(c *cli) *cobra.Command {
	return newQueryEnclavesCmd(c, "gatekeepers", "List the registered gatekeeper enclaves", (*client.Client).Gatekeepers, func(w io.Writer, gs []registry.Enclave) {
		for _, e := range gs {
			fmt.Fprintf(w, "Gatekeeper enclave of validator account %s\n", e.Validator)
			printEnclave(w, e, 0)
		}
	})
}

func newQueryWorkerCmd(c *cli) *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:   "worker ID",
		Short: "Show what the chain knows of a worker (ID: its identity key, hex)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var id crypto.PublicKey
			if err := id.UnmarshalText([]byte(args[0])); err != nil {
				return fmt.Errorf("worker id %q: %w", args[0], err)
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			e, err := cl.Worker(ctx, id, prove)
			if err != nil {
				return c.explainConn(err)
			}
			comp, cerr := cl.ComputingWorker(ctx, id)
			out := struct {
				registry.Enclave
				Computing *computing.Worker `json:"computing,omitempty"`
			}{Enclave: e}
			if cerr == nil {
				out.Computing = &comp
			}
			return c.print(out, func(w io.Writer) {
				fmt.Fprintln(w, "Worker")
				printEnclave(w, e, comp.LastHeartbeatHeight)
				if cerr != nil {
					fmt.Fprintln(w, "  computing:     no benchmark score yet")
					return
				}
				fmt.Fprintf(w, "  computing:     %s, P %d (instant %d), V %s, stake %s\n", comp.State, comp.P, comp.InstantP, comp.V, comp.Stake.PHA())
				fmt.Fprintf(w, "  earned:        %s in %d heartbeats (%d missed)\n", comp.Earned.PHA(), comp.Heartbeats, comp.Missed)
			})
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "check the answer's Merkle proof against the block header")
	c.addClientFlags(cmd)
	return cmd
}
