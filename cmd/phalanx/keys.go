package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/phalanx-net/phalanx/crypto/keyring"
)

// openKeyring opens the keyring in --home: the backend named by
// --keyring-backend, or "test" in a devnet home, or else "file".
func (c *cli) openKeyring() (*keyring.Keyring, error) {
	name := c.keyringBackend
	if name == "" {
		name = string(keyring.BackendFile)
		if c.isDevnetHome() {
			name = string(keyring.BackendTest)
		}
	}
	b, err := keyring.ParseBackend(name)
	if err != nil {
		return nil, err
	}
	return keyring.Open(c.home, b, c.passphrasePrompt())
}

// passphraseEnv, when set, answers every passphrase prompt (for scripts;
// prefer the prompt on a shared machine, where the environment leaks).
const passphraseEnv = "PHALANX_KEYRING_PASSPHRASE"

// passphrasePrompt asks for passphrases: from the environment if set, else
// without echo on a terminal, else one line at a time from standard input.
func (c *cli) passphrasePrompt() keyring.Prompt {
	return func(message string, confirm bool) (string, error) {
		if p := os.Getenv(passphraseEnv); p != "" {
			return p, nil
		}
		first, err := c.readSecret(message + ": ")
		if err != nil || !confirm {
			return first, err
		}
		again, err := c.readSecret("Repeat it: ")
		if err != nil {
			return "", err
		}
		if again != first {
			return "", keyring.ErrPassphraseMismatch
		}
		return first, nil
	}
}

func (c *cli) readSecret(prompt string) (string, error) {
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(c.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		return string(b), err
	}
	return c.readLine()
}

// readLine reads one line of standard input, shared by every prompt of a
// command so that consecutive prompts read consecutive lines.
func (c *cli) readLine() (string, error) {
	if c.stdinReader == nil {
		c.stdinReader = bufio.NewReader(c.stdin)
	}
	line, err := c.stdinReader.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("read from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func newKeysCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the account keys in the keyring under --home",
		Long: `Account keys are ed25519; addresses are bech32 with the prefix pha.
The "file" backend (the default) encrypts each key with the keyring's
passphrase; the "test" backend stores keys unencrypted and is what a devnet
uses. Set PHALANX_KEYRING_PASSPHRASE to answer the prompt in scripts.`,
	}
	for _, sub := range []*cobra.Command{
		newKeysAddCmd(c), newKeysListCmd(c), newKeysShowCmd(c), newKeysExportCmd(c), newKeysImportCmd(c), newKeysDeleteCmd(c),
	} {
		c.addKeyringFlags(sub)
		cmd.AddCommand(sub)
	}
	return cmd
}

func newKeysAddCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "add NAME",
		Short: "Create a new key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := c.openKeyring()
			if err != nil {
				return err
			}
			k, err := kr.Add(args[0])
			if err != nil {
				return err
			}
			return c.print(k, func(w io.Writer) {
				fmt.Fprintf(w, "Created key %q\n  address %s\n", k.Name, k.Address)
				fmt.Fprintf(w, "Back it up: `phalanx keys export %s > %s.key` writes it encrypted with a passphrase of your choice.\n", k.Name, k.Name)
				if kr.Backend() == keyring.BackendTest {
					fmt.Fprintln(w, "Warning: the test keyring stores keys unencrypted; use it for development only.")
				}
			})
		},
	}
}

func newKeysListCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kr, err := c.openKeyring()
			if err != nil {
				return err
			}
			keys, err := kr.List()
			if err != nil {
				return err
			}
			if keys == nil {
				keys = []keyring.Key{}
			}
			return c.print(keys, func(w io.Writer) {
				if len(keys) == 0 {
					fmt.Fprintf(w, "No keys in %s. Create one with `phalanx keys add NAME`.\n", kr.Dir())
					return
				}
				for _, k := range keys {
					fmt.Fprintf(w, "%-16s %s\n", k.Name, k.Address)
				}
			})
		},
	}
}

func newKeysShowCmd(c *cli) *cobra.Command {
	var addressOnly bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a key's address and public key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := c.openKeyring()
			if err != nil {
				return err
			}
			k, err := kr.Get(args[0])
			if err != nil {
				return err
			}
			if addressOnly {
				fmt.Fprintln(c.stdout, k.Address)
				return nil
			}
			return c.print(k, func(w io.Writer) {
				fmt.Fprintf(w, "Key %q\n  address    %s\n  public key %s\n", k.Name, k.Address, k.PublicKey)
			})
		},
	}
	cmd.Flags().BoolVar(&addressOnly, "address", false, "print only the address")
	return cmd
}

func newKeysExportCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "export NAME",
		Short: "Print a key encrypted with a new export passphrase (an armored age file)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := c.openKeyring()
			if err != nil {
				return err
			}
			// Unlock the key first (the keyring's passphrase), then ask for
			// the new one: the order a person expects.
			if _, err := kr.PrivateKey(args[0]); err != nil {
				return err
			}
			pass, err := c.passphrasePrompt()("Passphrase to encrypt the export with", true)
			if err != nil {
				return err
			}
			if pass == "" {
				return keyring.ErrEmptyPassphrase
			}
			out, err := kr.Export(args[0], pass)
			if err != nil {
				return err
			}
			_, err = c.stdout.Write(out)
			return err
		},
	}
}

func newKeysImportCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "import NAME FILE",
		Short: "Import a key exported with `keys export` (FILE or - for standard input)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var data []byte
			var err error
			if args[1] == "-" {
				if c.stdinReader == nil {
					c.stdinReader = bufio.NewReader(c.stdin)
				}
				data, err = readArmor(c.stdinReader)
			} else {
				data, err = os.ReadFile(args[1])
			}
			if err != nil {
				return fmt.Errorf("read the export: %w", err)
			}
			kr, err := c.openKeyring()
			if err != nil {
				return err
			}
			pass, err := c.passphrasePrompt()("Passphrase of the export", false)
			if err != nil {
				return err
			}
			k, err := kr.Import(args[0], data, pass)
			if err != nil {
				return err
			}
			return c.print(k, func(w io.Writer) {
				fmt.Fprintf(w, "Imported key %q\n  address %s\n", k.Name, k.Address)
			})
		},
	}
}

// readArmor reads an armored export up to its end line, so that a
// passphrase may follow it on standard input.
func readArmor(r *bufio.Reader) ([]byte, error) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if strings.HasPrefix(line, "-----END ") || err != nil {
			if err != nil && err != io.EOF {
				return nil, err
			}
			return []byte(b.String()), nil
		}
	}
}

func newKeysDeleteCmd(c *cli) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a key (export it first if it holds anything)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := c.openKeyring()
			if err != nil {
				return err
			}
			k, err := kr.Get(args[0])
			if err != nil {
				return err
			}
			if !yes {
				fmt.Fprintf(c.stderr, "Delete key %q (%s)? This cannot be undone. [y/N] ", k.Name, k.Address)
				answer, err := c.readLine()
				if err != nil {
					return err
				}
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return fmt.Errorf("not deleted")
				}
			}
			if err := kr.Delete(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Deleted key %q.\n", k.Name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
