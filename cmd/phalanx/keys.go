package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"filippo.io/age/armor"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/phalanx-net/phalanx/crypto/keyring"
)

// passphraseEnv, when set and not empty, answers every keyring passphrase
// prompt. It is for scripts; on a shared machine prefer the prompt, since
// the environment of a process is easier to leak than a typed secret.
const passphraseEnv = "PHALANX_KEYRING_PASSPHRASE"

// openKeyring opens the keyring in c.home. The backend is c.keyringBackend
// if set; otherwise "test" if c.home contains devnet.json (a devnet home,
// whose dev keys are throwaway and whose scripts should not prompt), else
// "file".
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
		return nil, fmt.Errorf("--keyring-backend: %w", err)
	}
	kr, err := keyring.Open(c.home, b, c.passphrasePrompt(), c.keyringOptions...)
	if err != nil {
		return nil, fmt.Errorf("open the keyring: %w", err)
	}
	return kr, nil
}

// passphrasePrompt returns the prompt for the keyring passphrase: the value
// of PHALANX_KEYRING_PASSPHRASE if set; else, on a terminal, typed without
// echo; else one line of standard input, so scripts and tests can pipe it in.
func (c *cli) passphrasePrompt() keyring.Prompt {
	return func(message string, confirm bool) (string, error) {
		if p := os.Getenv(passphraseEnv); p != "" {
			return p, nil
		}
		return c.askSecret(message, confirm)
	}
}

// askSecret asks for a secret on the terminal or standard input, twice if
// confirm is set. Unlike passphrasePrompt it ignores PHALANX_KEYRING_PASSPHRASE:
// export passphrases go through it, and an export must never be silently
// encrypted with the keyring's own passphrase.
func (c *cli) askSecret(message string, confirm bool) (string, error) {
	first, err := c.readSecret(message + ": ")
	if err != nil {
		return "", fmt.Errorf("%s: %w", message, err)
	}
	if !confirm {
		return first, nil
	}
	again, err := c.readSecret("Repeat it: ")
	if err != nil {
		return "", fmt.Errorf("%s, repeated: %w", message, err)
	}
	if again != first {
		return "", keyring.ErrPassphraseMismatch
	}
	return first, nil
}

// readSecret reads one secret: without echo if standard input is a
// terminal (prompting on standard error), else as a line of standard input.
func (c *cli) readSecret(prompt string) (string, error) {
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(c.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr) // the user's Enter was not echoed
		return string(b), err
	}
	return c.readLine()
}

// stdinLines returns the reader shared by every read of standard input in
// one command. Sharing it matters: a bufio.Reader reads ahead, so a second
// reader would miss lines the first had buffered.
func (c *cli) stdinLines() *bufio.Reader {
	if c.stdinReader == nil {
		c.stdinReader = bufio.NewReader(c.stdin)
	}
	return c.stdinReader
}

// readLine reads one line of standard input, without its line ending.
func (c *cli) readLine() (string, error) {
	line, err := c.stdinLines().ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		if err == io.EOF {
			return "", errors.New("standard input ended before an answer was read")
		}
		return "", fmt.Errorf("read standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// keyErr adds what to try next to a keyring error about a key name.
func keyErr(kr *keyring.Keyring, err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%w; `phalanx keys list` shows the keys of this %s keyring (--keyring-backend picks the other one)", err, kr.Backend())
	}
	return err
}

func newKeysCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the account keys in the keyring under --home",
		Long: `Account keys are ed25519; addresses are bech32 with the prefix pha.

The "file" backend (the default) encrypts every key with one keyring
passphrase, set when the first key is added. The "test" backend stores keys
unencrypted and is the default in a devnet home. Set
PHALANX_KEYRING_PASSPHRASE to answer the keyring passphrase prompt in scripts;
without a terminal, passphrases are read one per line from standard input.`,
	}
	for _, sub := range []*cobra.Command{
		newKeysAddCmd(c),
		newKeysListCmd(c),
		newKeysShowCmd(c),
		newKeysExportCmd(c),
		newKeysImportCmd(c),
		newKeysDeleteCmd(c),
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
		Long: `Create a new key named NAME (1-64 letters, digits, '.', '_' or '-').
With the file backend the first key sets the keyring passphrase, asked twice.`,
		Args: cobra.ExactArgs(1),
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
				fmt.Fprintf(w, "Created key %q in the %s keyring (%s).\n", k.Name, kr.Backend(), kr.Dir())
				fmt.Fprintf(w, "  address: %s\n", k.Address)
				fmt.Fprintf(w, "Back it up with `phalanx keys export %s`: a lost key cannot be recovered.\n", k.Name)
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
				keys = []keyring.Key{} // JSON [] rather than null
			}
			return c.print(keys, func(w io.Writer) {
				if len(keys) == 0 {
					fmt.Fprintf(w, "No keys in the %s keyring (%s). Create one with `phalanx keys add NAME`.\n", kr.Backend(), kr.Dir())
					return
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tADDRESS")
				for _, k := range keys {
					fmt.Fprintf(tw, "%s\t%s\n", k.Name, k.Address)
				}
				tw.Flush()
			})
		},
	}
}

func newKeysShowCmd(c *cli) *cobra.Command {
	var addressOnly bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a key's address and public key (no passphrase needed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, k, err := c.key(args[0])
			if err != nil {
				return err
			}
			if addressOnly {
				// A bare line, so scripts can write ADDR=$(phalanx keys show alice --address).
				return c.print(struct {
					Address string `json:"address"`
				}{k.Address.String()}, func(w io.Writer) {
					fmt.Fprintln(w, k.Address)
				})
			}
			return c.print(k, func(w io.Writer) {
				fmt.Fprintf(w, "Key %q\n", k.Name)
				fmt.Fprintf(w, "  address:    %s\n", k.Address)
				fmt.Fprintf(w, "  public key: %s\n", k.PublicKey)
			})
		},
	}
	cmd.Flags().BoolVar(&addressOnly, "address", false, "print only the address")
	return cmd
}

// exportOut is the JSON output of `keys export`.
type exportOut struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Armored string `json:"armored"`
}

func newKeysExportCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "export NAME",
		Short: "Print a key encrypted with an export passphrase (an armored age file)",
		Long: `Print the key NAME as an ASCII-armored age file encrypted with a new
export passphrase, asked twice. Keep the file and the passphrase apart;
either alone is useless. ` + "`phalanx keys import`" + ` reads it back into any keyring.
The export passphrase is always asked, never taken from PHALANX_KEYRING_PASSPHRASE.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, k, err := c.key(args[0])
			if err != nil {
				return err
			}
			// Unlock the key before asking for the export passphrase: that
			// is the order a person expects, and a wrong keyring passphrase
			// fails before they have typed the new one twice. It costs a
			// second scrypt run in Export (which decrypts again).
			if _, err := kr.PrivateKey(k.Name); err != nil {
				return err
			}
			pass, err := c.askSecret("Passphrase for the export", true)
			if err != nil {
				return err
			}
			armored, err := kr.Export(k.Name, pass)
			if err != nil {
				return err
			}
			if c.output == "json" {
				return c.printJSON(exportOut{Name: k.Name, Address: k.Address.String(), Armored: string(armored)})
			}
			_, err = c.stdout.Write(armored)
			return err
		},
	}
}

func newKeysImportCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "import NAME FILE",
		Short: "Import a key made by `keys export` (FILE, or - for standard input)",
		Long: `Import under NAME the key in FILE, an export made by ` + "`phalanx keys export`" + `.
With FILE "-" the export is read from standard input up to its END line, so
the passphrases may follow it there.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, file := args[0], args[1]
			kr, err := c.openKeyring()
			if err != nil {
				return err
			}
			// Refuse a bad or taken name before asking for anything.
			switch _, err := kr.Get(name); {
			case err == nil:
				return fmt.Errorf("%w: %q in %s; pick another name or `phalanx keys delete %s` first", keyring.ErrExists, name, kr.Dir(), name)
			case !errors.Is(err, keyring.ErrNotFound):
				return err
			}
			var data []byte
			if file == "-" {
				data, err = readArmor(c.stdinLines())
			} else {
				data, err = os.ReadFile(file)
			}
			if err != nil {
				return fmt.Errorf("read the export: %w", err)
			}
			if !bytes.Contains(data, []byte(armor.Header)) {
				return fmt.Errorf("%s is not a key export: it lacks the line %s", displayFile(file), armor.Header)
			}
			pass, err := c.askSecret("Passphrase of the export", false)
			if err != nil {
				return err
			}
			k, err := kr.Import(name, data, pass)
			if err != nil {
				return err
			}
			return c.print(k, func(w io.Writer) {
				fmt.Fprintf(w, "Imported key %q into the %s keyring (%s).\n", k.Name, kr.Backend(), kr.Dir())
				fmt.Fprintf(w, "  address: %s\n", k.Address)
			})
		},
	}
}

func displayFile(file string) string {
	if file == "-" {
		return "standard input"
	}
	return file
}

// readArmor reads an armored export up to and including its END line, so
// that passphrases may follow it on the same input.
func readArmor(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if strings.TrimSpace(line) == armor.Footer || err == io.EOF {
			return b.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// deleteOut is the JSON output of `keys delete`.
type deleteOut struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Deleted bool   `json:"deleted"`
}

func newKeysDeleteCmd(c *cli) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a key (export it first if it holds anything)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, k, err := c.key(args[0])
			if err != nil {
				return err
			}
			if !yes {
				fmt.Fprintf(c.stderr, "Delete key %q (%s)? This cannot be undone. [y/N] ", k.Name, k.Address)
				answer, err := c.readLine()
				if err != nil {
					return fmt.Errorf("key %q not deleted: %w", k.Name, err)
				}
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					// An error, not a silent success, so a script that
					// forgot --yes notices.
					return fmt.Errorf("key %q not deleted: answer y to confirm, or pass --yes", k.Name)
				}
			}
			if err := kr.Delete(k.Name); err != nil {
				return err
			}
			return c.print(deleteOut{Name: k.Name, Address: k.Address.String(), Deleted: true}, func(w io.Writer) {
				fmt.Fprintf(w, "Deleted key %q (%s).\n", k.Name, k.Address)
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// key opens the keyring and finds a key in it, with an error that says
// where it looked.
func (c *cli) key(name string) (*keyring.Keyring, keyring.Key, error) {
	kr, err := c.openKeyring()
	if err != nil {
		return nil, keyring.Key{}, err
	}
	k, err := kr.Get(name)
	if err != nil {
		return nil, keyring.Key{}, keyErr(kr, err)
	}
	return kr, k, nil
}
