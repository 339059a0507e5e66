package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/crypto/keyring"
)

// testRootCmd is the command tree as main builds it, but with keyrings
// at a low scrypt cost: the default costs about a second per key written
// or read, and what these tests check does not depend on it. (Keys keep
// their cost in their file, so the keyrings stay readable at any cost.)
func testRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	return newRootCmdFor(&cli{stdin: stdin, stdout: stdout, stderr: stderr,
		keyringOptions: []keyring.Option{keyring.WorkFactor(10)}})
}

// keysRun runs the phalanx command in-process with stdin and returns
// standard output and standard error apart.
func keysRun(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := testRootCmd(strings.NewReader(stdin), &out, &errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func keysMustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := keysRun(t, stdin, args...)
	if err != nil {
		t.Fatalf("phalanx %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// keysErr runs a command that must fail and returns its error text.
func keysErr(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, _, err := keysRun(t, stdin, args...)
	if err == nil {
		t.Fatalf("phalanx %s succeeded:\n%s", strings.Join(args, " "), out)
	}
	return err.Error()
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q lacks %q", what, got, w)
		}
	}
}

func TestKeysAddListShow(t *testing.T) {
	t.Setenv(passphraseEnv, "")
	tb := []string{"--home", t.TempDir(), "--keyring-backend", "test"}
	args := func(a ...string) []string { return append(a, tb...) }

	out := keysMustRun(t, "", args("keys", "add", "bob")...)
	wantContains(t, "keys add", out, `"bob"`, "pha1", "phalanx keys export bob", "unencrypted")

	var alice keyring.Key
	if err := json.Unmarshal([]byte(keysMustRun(t, "", args("keys", "add", "alice", "-o", "json")...)), &alice); err != nil {
		t.Fatal(err)
	}
	if alice.Name != "alice" || alice.Address != alice.PublicKey.Address() {
		t.Fatalf("keys add -o json: %+v", alice)
	}

	out = keysMustRun(t, "", args("keys", "list")...)
	if i, j := strings.Index(out, "alice"), strings.Index(out, "bob"); i < 0 || j < i {
		t.Fatalf("keys list is not sorted by name:\n%s", out)
	}
	wantContains(t, "keys list", out, "NAME", alice.Address.String())

	var list []keyring.Key
	if err := json.Unmarshal([]byte(keysMustRun(t, "", args("keys", "list", "-o", "json")...)), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0] != alice || list[1].Name != "bob" {
		t.Fatalf("keys list -o json: %+v", list)
	}

	out = keysMustRun(t, "", args("keys", "show", "alice")...)
	wantContains(t, "keys show", out, `"alice"`, alice.Address.String(), alice.PublicKey.String())
	var shown keyring.Key
	if err := json.Unmarshal([]byte(keysMustRun(t, "", args("keys", "show", "alice", "-o", "json")...)), &shown); err != nil {
		t.Fatal(err)
	}
	if shown != alice {
		t.Fatalf("keys show -o json: %+v, want %+v", shown, alice)
	}
	if out := keysMustRun(t, "", args("keys", "show", "alice", "--address")...); out != alice.Address.String()+"\n" {
		t.Fatalf("keys show --address printed %q", out)
	}
	var addr struct{ Address string }
	if err := json.Unmarshal([]byte(keysMustRun(t, "", args("keys", "show", "alice", "--address", "-o", "json")...)), &addr); err != nil || addr.Address != alice.Address.String() {
		t.Fatalf("keys show --address -o json: %v %+v", err, addr)
	}

	wantContains(t, "duplicate add", keysErr(t, "", args("keys", "add", "alice")...), "already exists", `"alice"`)
	wantContains(t, "bad name", keysErr(t, "", args("keys", "add", "../evil")...), "invalid key name")
	wantContains(t, "bad backend", keysErr(t, "", "keys", "list", "--home", t.TempDir(), "--keyring-backend", "os"), "keyring-backend", "unknown keyring backend")

	empty := keysMustRun(t, "", "keys", "list", "--home", t.TempDir(), "--keyring-backend", "test")
	wantContains(t, "empty list", empty, "No keys", "phalanx keys add")
	if out := keysMustRun(t, "", "keys", "list", "--home", t.TempDir(), "--keyring-backend", "test", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty keys list -o json = %q, want []", out)
	}
}

func TestKeysUnknownName(t *testing.T) {
	t.Setenv(passphraseEnv, "")
	home := t.TempDir()
	tb := []string{"--home", home, "--keyring-backend", "test"}
	keysMustRun(t, "", append([]string{"keys", "add", "alice"}, tb...)...)
	for _, sub := range [][]string{
		{"keys", "show", "nobody"},
		{"keys", "show", "nobody", "--address"},
		{"keys", "export", "nobody"},
		{"keys", "delete", "nobody", "--yes"},
	} {
		msg := keysErr(t, "", append(sub, tb...)...)
		wantContains(t, strings.Join(sub, " "), msg, `"nobody"`, "not found", "phalanx keys list")
	}

	// Import checks the name before it reads anything.
	export := filepath.Join(t.TempDir(), "alice.key")
	if err := os.WriteFile(export, []byte("not an export\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantContains(t, "import over a key", keysErr(t, "", append([]string{"keys", "import", "alice", export}, tb...)...), "already exists")
	wantContains(t, "import of a non-export", keysErr(t, "", append([]string{"keys", "import", "carol", export}, tb...)...), "not a key export")
	wantContains(t, "import of a missing file", keysErr(t, "", append([]string{"keys", "import", "carol", export + ".missing"}, tb...)...), "read the export")
}

func TestKeysDelete(t *testing.T) {
	t.Setenv(passphraseEnv, "")
	tb := []string{"--home", t.TempDir(), "--keyring-backend", "test"}
	args := func(a ...string) []string { return append(a, tb...) }
	keysMustRun(t, "", args("keys", "add", "alice")...)
	keysMustRun(t, "", args("keys", "add", "bob")...)

	for _, answer := range []string{"", "n\n", "no\n", "whatever\n"} {
		msg := keysErr(t, answer, args("keys", "delete", "alice")...)
		wantContains(t, "declined delete", msg, "not deleted")
	}
	keysMustRun(t, "", args("keys", "show", "alice")...)

	_, errOut, err := keysRun(t, "y\n", args("keys", "delete", "alice")...)
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, "delete prompt", errOut, "[y/N]")
	wantContains(t, "show after delete", keysErr(t, "", args("keys", "show", "alice")...), "not found")

	var del struct {
		Name    string
		Deleted bool
	}
	if err := json.Unmarshal([]byte(keysMustRun(t, "", args("keys", "delete", "bob", "--yes", "-o", "json")...)), &del); err != nil || del.Name != "bob" || !del.Deleted {
		t.Fatalf("keys delete -o json: %v %+v", err, del)
	}
}

// TestKeysFileBackend runs the passphrase-protected keyring end to end:
// passphrases from the environment and from standard input, export and
// import across backends, and the refusals.
func TestKeysFileBackend(t *testing.T) {
	t.Setenv(passphraseEnv, "")
	home := t.TempDir()
	fb := []string{"--home", home} // no devnet.json: the file backend

	// A new keyring passphrase must be typed the same twice.
	wantContains(t, "mismatched passphrase", keysErr(t, "one\ntwo\n", append([]string{"keys", "add", "alice"}, fb...)...), "do not match")

	out := keysMustRun(t, "keyring-pass\nkeyring-pass\n", append([]string{"keys", "add", "alice"}, fb...)...)
	wantContains(t, "keys add", out, "file keyring", "phalanx keys export alice")
	if strings.Contains(out, "unencrypted") {
		t.Errorf("file backend add warns about plaintext keys:\n%s", out)
	}
	var alice keyring.Key
	if err := json.Unmarshal([]byte(keysMustRun(t, "", append([]string{"keys", "show", "alice", "-o", "json"}, fb...)...)), &alice); err != nil {
		t.Fatal(err)
	}

	// The environment answers the keyring prompt but never the export one:
	// the export passphrase comes from standard input.
	t.Setenv(passphraseEnv, "keyring-pass")
	armored, errOut, err := keysRun(t, "export-pass\nexport-pass\n", append([]string{"keys", "export", "alice"}, fb...)...)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(armored, "-----BEGIN AGE ENCRYPTED FILE-----\n") {
		t.Fatalf("export printed:\n%s", armored)
	}
	// Base64 never contains '-', so these cannot match by chance.
	if strings.Contains(armored+errOut, "keyring-pass") || strings.Contains(armored+errOut, "export-pass") {
		t.Fatal("export output contains a passphrase")
	}
	t.Setenv(passphraseEnv, "")

	wantContains(t, "wrong keyring passphrase", keysErr(t, "nope\n", append([]string{"keys", "export", "alice"}, fb...)...), "wrong passphrase")

	// Import from a file into a test keyring, and from standard input (the
	// passphrase on the line after the export) into another name.
	other := []string{"--home", t.TempDir(), "--keyring-backend", "test"}
	file := filepath.Join(t.TempDir(), "alice.key")
	if err := os.WriteFile(file, []byte(armored), 0o600); err != nil {
		t.Fatal(err)
	}
	out = keysMustRun(t, "export-pass\n", append([]string{"keys", "import", "alice", file}, other...)...)
	wantContains(t, "import from a file", out, `"alice"`, alice.Address.String())

	var imported keyring.Key
	if err := json.Unmarshal([]byte(keysMustRun(t, armored+"export-pass\n", append([]string{"keys", "import", "alice2", "-", "-o", "json"}, other...)...)), &imported); err != nil {
		t.Fatal(err)
	}
	if imported.Name != "alice2" || imported.Address != alice.Address || imported.PublicKey != alice.PublicKey {
		t.Fatalf("imported %+v, exported %+v", imported, alice)
	}
	wantContains(t, "wrong export passphrase", keysErr(t, armored+"wrong\n", append([]string{"keys", "import", "alice3", "-"}, other...)...), "wrong passphrase")

	// The key files on disk hold no plaintext seed of the imported key.
	ex, err := keyringOf(t, other).PrivateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(home, "keyring-file", "alice.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(hex.EncodeToString(ex.Seed()))) {
		t.Fatal("the file keyring stores the seed in plaintext")
	}
}

// TestKeysExportJSON exports from a test keyring (no keyring passphrase)
// with -o json and imports the result.
func TestKeysExportJSON(t *testing.T) {
	t.Setenv(passphraseEnv, "")
	tb := []string{"--home", t.TempDir(), "--keyring-backend", "test"}
	keysMustRun(t, "", append([]string{"keys", "add", "alice"}, tb...)...)
	var ex exportOut
	if err := json.Unmarshal([]byte(keysMustRun(t, "exp\nexp\n", append([]string{"keys", "export", "alice", "-o", "json"}, tb...)...)), &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Name != "alice" || !strings.HasPrefix(ex.Address, "pha1") || !strings.Contains(ex.Armored, "BEGIN AGE ENCRYPTED FILE") {
		t.Fatalf("keys export -o json: %+v", ex)
	}
	wantContains(t, "mismatched export passphrase", keysErr(t, "exp\nexq\n", append([]string{"keys", "export", "alice"}, tb...)...), "do not match")

	other := []string{"--home", t.TempDir(), "--keyring-backend", "test"}
	out := keysMustRun(t, ex.Armored+"exp\n", append([]string{"keys", "import", "bob", "-"}, other...)...)
	wantContains(t, "import", out, `"bob"`, ex.Address)
}

func TestOpenKeyringBackend(t *testing.T) {
	home := t.TempDir()
	c := &cli{home: home}
	kr, err := c.openKeyring()
	if err != nil {
		t.Fatal(err)
	}
	if kr.Backend() != keyring.BackendFile || kr.Dir() != filepath.Join(home, "keyring-file") {
		t.Fatalf("plain home: backend %s in %s, want file", kr.Backend(), kr.Dir())
	}
	if err := os.WriteFile(filepath.Join(home, "devnet.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if kr, err = c.openKeyring(); err != nil || kr.Backend() != keyring.BackendTest {
		t.Fatalf("devnet home: %v, backend %v, want test", err, kr)
	}
	c.keyringBackend = "file"
	if kr, err = c.openKeyring(); err != nil || kr.Backend() != keyring.BackendFile {
		t.Fatalf("--keyring-backend file in a devnet home: %v", err)
	}
	c.keyringBackend = "bogus"
	if _, err = c.openKeyring(); !errors.Is(err, keyring.ErrBadBackend) {
		t.Fatalf("--keyring-backend bogus: %v, want ErrBadBackend", err)
	}
}

func TestPassphrasePrompt(t *testing.T) {
	t.Setenv(passphraseEnv, "")
	var errOut bytes.Buffer
	c := &cli{stdin: strings.NewReader("first\nsecond\r\nnew\nnew\nx\ny\n"), stderr: &errOut}
	p := c.passphrasePrompt()
	// Consecutive prompts read consecutive lines, whatever the line ending.
	for _, want := range []string{"first", "second"} {
		if got, err := p("Keyring passphrase", false); err != nil || got != want {
			t.Fatalf("prompt = %q, %v; want %q", got, err, want)
		}
	}
	if got, err := p("New keyring passphrase", true); err != nil || got != "new" {
		t.Fatalf("confirmed prompt = %q, %v", got, err)
	}
	if _, err := p("New keyring passphrase", true); !errors.Is(err, keyring.ErrPassphraseMismatch) {
		t.Fatalf("mismatched entries: %v, want ErrPassphraseMismatch", err)
	}
	if _, err := p("Keyring passphrase", false); err == nil || !strings.Contains(err.Error(), "Keyring passphrase") {
		t.Fatalf("prompt at end of input: %v", err)
	}
	if errOut.Len() != 0 {
		t.Fatalf("prompts without a terminal wrote %q to stderr", errOut.String())
	}

	// The environment answers without reading standard input.
	t.Setenv(passphraseEnv, "from env")
	c = &cli{stdin: strings.NewReader("from stdin\n")}
	if got, err := c.passphrasePrompt()("Keyring passphrase", true); err != nil || got != "from env" {
		t.Fatalf("prompt with %s set = %q, %v", passphraseEnv, got, err)
	}
	if got, err := c.askSecret("Passphrase for the export", false); err != nil || got != "from stdin" {
		t.Fatalf("export passphrase with %s set = %q, %v; want it from stdin", passphraseEnv, got, err)
	}
}

// keyringOf opens the keyring the flags name, for looking behind the CLI.
func keyringOf(t *testing.T, flags []string) *keyring.Keyring {
	t.Helper()
	c := &cli{}
	for i := 0; i+1 < len(flags); i += 2 {
		switch flags[i] {
		case "--home":
			c.home = flags[i+1]
		case "--keyring-backend":
			c.keyringBackend = flags[i+1]
		}
	}
	kr, err := c.openKeyring()
	if err != nil {
		t.Fatal(err)
	}
	return kr
}
