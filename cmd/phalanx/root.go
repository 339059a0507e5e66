package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/crypto/keyring"
)

// cli holds what every command shares: where the home is, how to print,
// and the standard streams (so tests can run commands in-process).
type cli struct {
	home           string
	output         string   // "text" or "json"
	nodes          []string // RPC URLs (--node); empty: resolved from the home
	keyringBackend string   // "file" or "test"; empty: resolved from the home
	// keyringOptions tune the keyring; tests lower its scrypt cost.
	keyringOptions []keyring.Option

	stdin          io.Reader
	stdinReader    *bufio.Reader // shared by every prompt of one command
	stdout, stderr io.Writer
}

func defaultHome() string {
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".phalanx")
	}
	return ".phalanx"
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return newRootCmdFor(&cli{stdin: stdin, stdout: stdout, stderr: stderr})
}

// newRootCmdFor is the command tree on c, whose streams and keyring
// options are set.
func newRootCmdFor(c *cli) *cobra.Command {
	root := &cobra.Command{
		Use:           "phalanx",
		Short:         "Phalanx: a decentralized confidential-compute network",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if c.output != "text" && c.output != "json" {
				return fmt.Errorf("--output must be text or json, not %q", c.output)
			}
			return nil
		},
	}
	root.SetIn(c.stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&c.home, "home", defaultHome(), "directory for keys, node data and the devnet")
	pf.StringVarP(&c.output, "output", "o", "text", "output format: text or json")
	root.AddCommand(
		newKeysCmd(c),
		newDevnetCmd(c),
		newInitCmd(c),
		newGenesisCmd(c),
		newNodeCmd(c),
		newWorkerCmd(c),
		newContractCmd(c),
		newClusterCmd(c),
		newTxCmd(c),
		newQueryCmd(c),
		newStatusCmd(c),
		newBenchCmd(c),
		newSimulateCmd(c),
		newTEECmd(c),
	)
	return root
}

// addClientFlags adds the flags of commands that talk to a node.
func (c *cli) addClientFlags(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&c.nodes, "node", nil, "RPC URL of a node, or several of one chain (comma-separated or repeated), asked in turn when one does not answer (default: every gatekeeper of the devnet in --home)")
}

// addKeyringFlags adds the flags of commands that use the keyring.
func (c *cli) addKeyringFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.keyringBackend, "keyring-backend", "", `keyring backend: "file" (passphrase-protected) or "test" (unencrypted; default in a devnet home)`)
}

// printJSON writes v as indented JSON.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// print writes v as JSON with -o json, else the text from text().
func (c *cli) print(v any, text func(w io.Writer)) error {
	if c.output == "json" {
		return c.printJSON(v)
	}
	text(c.stdout)
	return nil
}

// tuneGC makes the garbage collector run less often in the commands that
// run nodes: a node allocates a little for every transaction, and with
// Go's default (GOGC=100) collection takes a fifth of a busy node's CPU.
// A node has memory to spare; GOGC in the environment still wins.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
