package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/sdk/client"
)

func newTxCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Sign and send transactions; each waits until it is committed",
	}
	cmd.AddCommand(newTxSendCmd(c), newTxRotateMasterKeyCmd(c),
		newTxComputingCmd(c, "start-computing OPERATOR WORKER STAKE", "Start a worker computing, staking STAKE (at least 50 PHA x sqrt(P)) from OPERATOR", 3,
			func(id crypto.PublicKey, args []string) (module.Msg, error) {
				stake, err := pha.Parse(args[2])
				return &computing.MsgStart{Worker: id, Stake: stake}, err
			}),
		newTxComputingCmd(c, "stop-computing OPERATOR WORKER", "Stop a worker computing; its stake comes back after the cooldown", 2,
			func(id crypto.PublicKey, _ []string) (module.Msg, error) { return &computing.MsgStop{Worker: id}, nil }),
		newTxComputingCmd(c, "reclaim-stake OPERATOR WORKER", "Return a cooled-down worker's stake to OPERATOR", 2,
			func(id crypto.PublicKey, _ []string) (module.Msg, error) {
				return &computing.MsgReclaim{Worker: id}, nil
			}),
		newTxPoolCmd(c))
	return cmd
}

// newTxComputingCmd makes a command that sends one computing message for
// the worker named by its second argument, from its operator's key.
func newTxComputingCmd(c *cli, use, short string, nargs int, msg func(crypto.PublicKey, []string) (module.Msg, error)) *cobra.Command {
	return newTxMsgCmd(c, use, short, nargs, func(args []string) (module.Msg, error) {
		id, err := parsePublicKey(args[1])
		if err != nil {
			return nil, fmt.Errorf("worker id %q: %w", args[1], err)
		}
		return msg(id, args)
	})
}

func newTxRotateMasterKeyCmd(c *cli) *cobra.Command {
	var f txFlags
	cmd := &cobra.Command{
		Use:   "rotate-master-key COUNCIL",
		Short: "Ask the gatekeepers for a new master key (the council's key only)",
		Long: `Sends keys/rotate-master-key from COUNCIL, the council's key (until a governance
module exists). A gatekeeper enclave that holds the current key generates the
next epoch's and publishes its public key; the others are handed it. Old keys
stay with the gatekeepers, so data sealed under them stays readable; clusters
created from now on derive their keys from the new one.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, cl, ctx, cancel, err := c.signer(args[0])
			if err != nil {
				return err
			}
			defer cancel()
			res, err := cl.Submit(ctx, key, []module.Msg{&keys.MsgRotateMasterKey{}}, f.options())
			if res == nil && err != nil {
				return c.explainConn(err)
			}
			if perr := c.printTxResult(res, func(w io.Writer) {
				fmt.Fprintln(w, "Master key rotation requested.")
			}); perr != nil {
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

// txFlags are the options every transaction command takes.
type txFlags struct {
	gas      uint64
	gasPrice uint64
	memo     string
	timeout  time.Duration
}

func (f *txFlags) add(cmd *cobra.Command) {
	cmd.Flags().Uint64Var(&f.gas, "gas", client.DefaultGasLimit, "gas limit; you pay only for the gas used, but the balance must cover the limit")
	cmd.Flags().Uint64Var(&f.gasPrice, "gas-price", 0, "gas price in units (10^-12 PHA) per gas (default: the chain's minimum)")
	cmd.Flags().StringVar(&f.memo, "memo", "", "a note stored with the transaction (public)")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 30*time.Second, "how long to wait for the commit")
}

func (f *txFlags) options() client.TxOptions {
	return client.TxOptions{GasLimit: f.gas, GasPrice: f.gasPrice, Memo: f.memo, Timeout: f.timeout}
}

func newTxSendCmd(c *cli) *cobra.Command {
	var f txFlags
	cmd := &cobra.Command{
		Use:   "send FROM TO AMOUNT",
		Short: "Send PHA: FROM is a key name, TO an address or key name, AMOUNT like 12.5PHA",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := pha.Parse(args[2])
			if err != nil {
				return err
			}
			to, err := c.resolveAddress(args[1])
			if err != nil {
				return err
			}
			kr, from, err := c.key(args[0])
			if err != nil {
				return fmt.Errorf("FROM must be a key name: %w", err)
			}
			key, err := kr.PrivateKey(args[0])
			if err != nil {
				return err
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			res, err := cl.Send(ctx, key, to, amount, f.options())
			if res == nil && err != nil {
				return c.explainConn(err)
			}
			if perr := c.printTxResult(res, func(w io.Writer) {
				fmt.Fprintf(w, "Send %s from %s (%s) to %s\n", amount.PHA(), args[0], from.Address, describe(args[1], to))
			}); perr != nil {
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

func describe(arg string, a crypto.Address) string {
	if arg == a.String() {
		return arg
	}
	return fmt.Sprintf("%s (%s)", arg, a)
}

// printTxResult prints a committed transaction: its block, hash, gas and
// fee, and whether it succeeded.
func (c *cli) printTxResult(res *client.Result, what func(w io.Writer)) error {
	return c.print(res, func(w io.Writer) {
		what(w)
		status := "succeeded"
		if res.Code != 0 {
			status = "FAILED"
		}
		fmt.Fprintf(w, "Committed in block %d: %s\n  tx    %s\n  gas   %d used\n  fee   %s\n", res.Height, status, res.Hash, res.GasUsed, res.Fee.PHA())
		if res.Code != 0 {
			fmt.Fprintf(w, "  error %s\n", res.Log)
		}
	})
}

func hexHash(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%q is not a transaction hash (64 hex digits)", s)
	}
	return b, nil
}
