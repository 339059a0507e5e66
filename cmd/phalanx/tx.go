package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	cmd.AddCommand(newTxSendCmd(c), newTxResendCmd(c), newTxRotateMasterKeyCmd(c),
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
		newTxPoolCmd(c), newTxStakingCmd(c), newTxGovCmd(c))
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
				return c.txError(err)
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

func (f *txFlags) add(cmd *cobra.Command) { f.addWithGas(cmd, client.DefaultGasLimit) }

// addWithGas adds the flags with another default gas limit, for a
// transaction that costs more than a transfer.
func (f *txFlags) addWithGas(cmd *cobra.Command, gas uint64) {
	cmd.Flags().Uint64Var(&f.gas, "gas", gas, "gas limit; you pay only for the gas used, but the balance must cover the limit")
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
				return c.txError(err)
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
		printCommitted(w, res)
		if res.AlreadySent {
			fmt.Fprintln(w, "  note  the node had these very bytes already: an identical transaction (same nonce) was sent before, and this is its outcome, not a second one")
		}
	})
}

func printCommitted(w io.Writer, res *client.Result) {
	status := "succeeded"
	if res.Code != 0 {
		status = "FAILED"
	}
	fmt.Fprintf(w, "Committed in block %d: %s\n  tx    %s\n  gas   %d used\n  fee   %s\n", res.Height, status, res.Hash, res.GasUsed, res.Fee.PHA())
	if res.Code != 0 {
		fmt.Fprintf(w, "  error %s\n", res.Log)
	}
}

func hexHash(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%q is not a transaction hash (64 hex digits)", s)
	}
	return b, nil
}

// exitUnknown is the exit status of a command whose transaction's outcome
// is unknown: it may or may not be committed (exit status 1 is a failure,
// and nothing of a failed command's transaction was applied unless it
// printed the block it failed in).
const exitUnknown = 3

// exitCode is the process's exit status for a command's error.
func exitCode(err error) int {
	if errors.Is(err, client.ErrUnknown) {
		return exitUnknown
	}
	return 1
}

// unconfirmedDir holds, under the home, the signed bytes of transactions
// whose outcome was unknown, by hash, for `tx resend`.
const unconfirmedDir = "unconfirmed"

// unknownOutcome is the error of a command whose transaction may still
// be committed: it says so, with the hash and the commands that settle
// it, and never that the transaction failed.
type unknownOutcome struct {
	u      *client.UnknownError
	flags  string // the --home and --node of this command, for the ones it prints
	saved  string // where the signed bytes are, if they were saved
	unsave error  // why they could not be saved
}

func (e *unknownOutcome) Error() string {
	h := fmt.Sprintf("%X", e.u.Hash)
	msg := fmt.Sprintf("the outcome of transaction %s is unknown: %v; it may still be committed.\nLook it up with: phalanx query tx %s%s", h, e.u.Err, h, e.flags)
	switch {
	case e.saved != "":
		msg += fmt.Sprintf("\nOr send the same signed bytes again (kept in %s; they cannot apply twice) with: phalanx tx resend %s%s", e.saved, h, e.flags)
	case e.unsave != nil:
		msg += fmt.Sprintf("\n(the signed bytes could not be kept for a resend: %v)", e.unsave)
	}
	return msg
}

func (e *unknownOutcome) Unwrap() error { return e.u }

// txError turns the error of a command that sent a transaction into what
// the user reads: an unknown outcome as such (its signed bytes kept for
// `tx resend`), anything else with the hint when no node answered.
func (c *cli) txError(err error) error {
	var u *client.UnknownError
	if !errors.As(err, &u) {
		return c.explainConn(err)
	}
	out := &unknownOutcome{u: u, flags: c.flagsForHint()}
	if len(u.Tx) > 0 {
		out.saved, out.unsave = c.saveUnconfirmed(u.Hash, u.Tx)
	}
	if c.output == "json" {
		c.printJSON(map[string]any{"hash": fmt.Sprintf("%X", u.Hash), "outcome": "unknown", "reason": u.Err.Error(), "saved": out.saved})
	}
	return out
}

// flagsForHint repeats the --home and --node of this command, so that
// the commands an unknown outcome suggests ask the same nodes.
func (c *cli) flagsForHint() string {
	var s string
	if c.home != defaultHome() {
		s += " --home " + c.home
	}
	if len(c.nodes) > 0 {
		s += " --node " + strings.Join(c.nodes, ",")
	}
	return s
}

func (c *cli) unconfirmedPath(hash []byte) string {
	return filepath.Join(c.home, unconfirmedDir, fmt.Sprintf("%X.tx", hash))
}

// saveUnconfirmed keeps a transaction's signed bytes for `tx resend`.
func (c *cli) saveUnconfirmed(hash, raw []byte) (string, error) {
	path := c.unconfirmedPath(hash)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// readUnconfirmed reads the signed bytes that `tx resend` sends: a file,
// or the hash of a transaction kept under the home.
func (c *cli) readUnconfirmed(arg string) ([]byte, string, error) {
	if raw, err := os.ReadFile(arg); err == nil {
		return raw, arg, nil
	}
	hash, err := hexHash(arg)
	if err != nil {
		return nil, "", fmt.Errorf("%q is neither a file nor a transaction hash (64 hex digits)", arg)
	}
	path := c.unconfirmedPath(hash)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("no signed transaction %X is kept in %s (only those whose outcome was unknown are); look it up with: phalanx query tx %X", hash, filepath.Dir(path), hash)
	}
	return raw, path, err
}

func newTxResendCmd(c *cli) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "resend HASH|FILE",
		Short: "Send again a transaction whose outcome was unknown: the same signed bytes, which cannot apply twice",
		Long: `Sends the signed bytes of a transaction again and waits for its commit. When a
command could not tell whether its transaction was committed (exit status 3), it
kept the bytes under --home; HASH names them. FILE is a file of signed bytes.

The bytes carry their nonce, so the chain applies them at most once however often
they are sent: a transaction committed already is shown, not sent twice.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, path, err := c.readUnconfirmed(args[0])
			if err != nil {
				return err
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			res, err := cl.Resume(ctx, raw, timeout)
			if res == nil && err != nil {
				return c.txError(err)
			}
			if path != args[0] {
				os.Remove(path) // the outcome is known now
			}
			if perr := c.print(res, func(w io.Writer) {
				if res.AlreadySent {
					fmt.Fprintln(w, "A node had this transaction already (it applies once): this is its outcome.")
				}
				printCommitted(w, res)
			}); perr != nil {
				return perr
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for the commit")
	c.addClientFlags(cmd)
	return cmd
}
