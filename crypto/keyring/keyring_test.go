package keyring

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age/armor"

	"github.com/phalanx-net/phalanx/crypto"
)

// fast is the scrypt cost of the tests' keyrings: the default takes about
// a second per operation, and the format and logic under test do not
// depend on it.
var fast = WorkFactor(10)

// fixedPrompt answers every prompt with pass and records the calls.
type fixedPrompt struct {
	pass  string
	calls []bool // the confirm argument of each call
}

func (p *fixedPrompt) prompt(_ string, confirm bool) (string, error) {
	p.calls = append(p.calls, confirm)
	return p.pass, nil
}

func openFile(t *testing.T, dir, pass string) (*Keyring, *fixedPrompt) {
	t.Helper()
	p := &fixedPrompt{pass: pass}
	k, err := Open(dir, BackendFile, p.prompt, fast)
	if err != nil {
		t.Fatal(err)
	}
	return k, p
}

func openTest(t *testing.T, dir string) *Keyring {
	t.Helper()
	k, err := Open(dir, BackendTest, nil, fast)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var testCtx = crypto.NewContext("phalanx/keyring-test: v1")

// checkSigns checks that priv signs for pub.
func checkSigns(t *testing.T, priv crypto.PrivateKey, pub crypto.PublicKey) {
	t.Helper()
	msg := []byte("transfer 5 to bob")
	if !crypto.Verify(pub, testCtx, msg, priv.Sign(testCtx, msg)) {
		t.Fatal("signature by the stored key does not verify under its public key")
	}
}

func TestRoundTrip(t *testing.T) {
	for _, backend := range []Backend{BackendTest, BackendFile} {
		t.Run(string(backend), func(t *testing.T) {
			dir := t.TempDir()
			p := &fixedPrompt{pass: "correct horse"}
			k, err := Open(dir, backend, p.prompt, fast)
			if err != nil {
				t.Fatal(err)
			}
			if k.Backend() != backend || k.Dir() != filepath.Join(dir, "keyring-"+string(backend)) {
				t.Fatalf("Backend, Dir = %q, %q", k.Backend(), k.Dir())
			}
			fi, err := os.Stat(k.Dir())
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("keyring directory mode %v, want 0700", fi.Mode().Perm())
			}

			bob, err := k.Add("bob")
			if err != nil {
				t.Fatal(err)
			}
			alice, err := k.Add("alice")
			if err != nil {
				t.Fatal(err)
			}
			if alice.Name != "alice" || alice.Address != alice.PublicKey.Address() {
				t.Fatalf("Add returned %+v", alice)
			}
			if alice.Address == bob.Address {
				t.Fatal("two added keys are equal")
			}

			got, err := k.Get("alice")
			if err != nil {
				t.Fatal(err)
			}
			if got != alice {
				t.Fatalf("Get = %+v, want %+v", got, alice)
			}
			list, err := k.List()
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0] != alice || list[1] != bob {
				t.Fatalf("List = %+v, want [alice bob]", list)
			}

			priv, err := k.PrivateKey("alice")
			if err != nil {
				t.Fatal(err)
			}
			checkSigns(t, priv, alice.PublicKey)

			if backend == BackendFile {
				// One keyring value prompts once: the new passphrase, confirmed.
				if len(p.calls) != 1 || !p.calls[0] {
					t.Fatalf("prompt calls (confirm flags) = %v, want [true]", p.calls)
				}
			} else if len(p.calls) != 0 {
				t.Fatalf("test backend prompted %d times", len(p.calls))
			}

			for _, name := range []string{"alice", "bob"} {
				fi, err := os.Stat(filepath.Join(k.Dir(), name+".json"))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
				}
			}

			if err := k.Delete("alice"); err != nil {
				t.Fatal(err)
			}
			if _, err := k.Get("alice"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
			}
			if err := k.Delete("alice"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second Delete: %v, want ErrNotFound", err)
			}
			list, err = k.List()
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0] != bob {
				t.Fatalf("List after Delete = %+v", list)
			}
			entries, _ := os.ReadDir(k.Dir())
			if len(entries) != 1 {
				t.Fatalf("keyring directory holds %d entries, want 1 (temporary files left?)", len(entries))
			}
		})
	}
}

func TestAddSeed(t *testing.T) {
	k := openTest(t, t.TempDir())
	priv, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := k.AddSeed("validator-0", priv.Seed())
	if err != nil {
		t.Fatal(err)
	}
	if key.PublicKey != priv.Public() {
		t.Fatal("AddSeed stored another key")
	}
	got, err := k.PrivateKey("validator-0")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Seed(), priv.Seed()) {
		t.Fatal("PrivateKey returned another seed")
	}
	if _, err := k.AddSeed("short", make([]byte, 31)); !errors.Is(err, crypto.ErrBadPrivateKey) {
		t.Fatalf("AddSeed of a short seed: %v, want crypto.ErrBadPrivateKey", err)
	}
}

func TestFilePassphraseIsKeyringWide(t *testing.T) {
	dir := t.TempDir()
	k, _ := openFile(t, dir, "first passphrase")
	if _, err := k.Add("alice"); err != nil {
		t.Fatal(err)
	}

	// A new Keyring value (a new command) adding a second key must be given
	// the existing passphrase, not asked for a new one.
	k2, p2 := openFile(t, dir, "another passphrase")
	if _, err := k2.Add("bob"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Add with a different passphrase: %v, want ErrWrongPassphrase", err)
	}
	if len(p2.calls) != 1 || p2.calls[0] {
		t.Fatalf("prompt confirm flags = %v, want [false]", p2.calls)
	}
	if _, err := k2.Get("bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("failed Add left a key: %v", err)
	}

	k3, p3 := openFile(t, dir, "first passphrase")
	if _, err := k3.Add("bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := k3.PrivateKey("bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := k3.PrivateKey("alice"); err != nil {
		t.Fatal(err)
	}
	if len(p3.calls) != 1 {
		t.Fatalf("prompted %d times in one Keyring, want 1", len(p3.calls))
	}
}

func TestWrongPassphrase(t *testing.T) {
	dir := t.TempDir()
	k, _ := openFile(t, dir, "right")
	if _, err := k.Add("alice"); err != nil {
		t.Fatal(err)
	}
	wrong, p := openFile(t, dir, "wrong")
	if _, err := wrong.PrivateKey("alice"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("PrivateKey with a wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	// A wrong passphrase is not remembered: the next use prompts again.
	p.pass = "right"
	if _, err := wrong.PrivateKey("alice"); err != nil {
		t.Fatalf("PrivateKey after correcting the passphrase: %v", err)
	}
	if len(p.calls) != 2 {
		t.Fatalf("prompted %d times, want 2", len(p.calls))
	}

	// Public information stays readable without any passphrase.
	noPrompt, err := Open(dir, BackendFile, nil, fast)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noPrompt.Get("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := noPrompt.List(); err != nil {
		t.Fatal(err)
	}
	if _, err := noPrompt.PrivateKey("alice"); !errors.Is(err, ErrNoPrompt) {
		t.Fatalf("PrivateKey without a prompt: %v, want ErrNoPrompt", err)
	}

	empty, _ := openFile(t, t.TempDir(), "")
	if _, err := empty.Add("alice"); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("Add with an empty passphrase: %v, want ErrEmptyPassphrase", err)
	}
}

func TestPromptErrorIsReturned(t *testing.T) {
	k, err := Open(t.TempDir(), BackendFile, func(string, bool) (string, error) {
		return "", ErrPassphraseMismatch
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Add("alice"); !errors.Is(err, ErrPassphraseMismatch) {
		t.Fatalf("Add: %v, want ErrPassphraseMismatch", err)
	}
}

func TestFileBackendEncryptsSeed(t *testing.T) {
	k, _ := openFile(t, t.TempDir(), "pass")
	if _, err := k.Add("alice"); err != nil {
		t.Fatal(err)
	}
	priv, err := k.PrivateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	seed := priv.Seed()
	data, err := os.ReadFile(filepath.Join(k.Dir(), "alice.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range [][]byte{
		seed,
		[]byte(hex.EncodeToString(seed)),
		[]byte(strings.ToUpper(hex.EncodeToString(seed))),
	} {
		if bytes.Contains(data, form) {
			t.Fatalf("key file contains the seed in plaintext:\n%s", data)
		}
	}
	if !bytes.Contains(data, []byte("AGE ENCRYPTED FILE")) {
		t.Fatalf("key file holds no age file:\n%s", data)
	}
	if !bytes.Contains(data, []byte(priv.Public().Address().String())) {
		t.Fatal("key file lacks the address")
	}
}

func TestTestBackendNeedsNoPrompt(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir)
	key, err := a.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	b := openTest(t, dir) // a later command, still no prompt
	priv, err := b.PrivateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	checkSigns(t, priv, key.PublicKey)
	// The two backends are separate keyrings in one home.
	f, err := Open(dir, BackendFile, nil, fast)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get("alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("file keyring sees the test keyring's key: %v", err)
	}
}

func TestExportImportAcrossBackends(t *testing.T) {
	type pair struct{ from, to Backend }
	for _, c := range []pair{
		{BackendTest, BackendFile},
		{BackendFile, BackendTest},
		{BackendFile, BackendFile},
		{BackendTest, BackendTest},
	} {
		t.Run(string(c.from)+"-to-"+string(c.to), func(t *testing.T) {
			open := func(b Backend) *Keyring {
				if b == BackendTest {
					return openTest(t, t.TempDir())
				}
				k, _ := openFile(t, t.TempDir(), "keyring pass "+t.Name())
				return k
			}
			src, dst := open(c.from), open(c.to)
			key, err := src.Add("alice")
			if err != nil {
				t.Fatal(err)
			}
			armored, err := src.Export("alice", "export pass")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(armored, []byte("-----BEGIN AGE ENCRYPTED FILE-----\n")) {
				t.Fatalf("export is not armored:\n%s", armored)
			}
			priv, err := src.PrivateKey("alice")
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(armored, []byte(hex.EncodeToString(priv.Seed()))) {
				t.Fatal("export contains the seed in plaintext")
			}

			if _, err := dst.Import("alice2", armored, "not the export pass"); !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("Import with a wrong passphrase: %v, want ErrWrongPassphrase", err)
			}
			imported, err := dst.Import("alice2", armored, "export pass")
			if err != nil {
				t.Fatal(err)
			}
			if imported.Name != "alice2" || imported.Address != key.Address || imported.PublicKey != key.PublicKey {
				t.Fatalf("imported %+v, exported %+v", imported, key)
			}
			priv2, err := dst.PrivateKey("alice2")
			if err != nil {
				t.Fatal(err)
			}
			checkSigns(t, priv2, key.PublicKey)
			if _, err := dst.Import("alice2", armored, "export pass"); !errors.Is(err, ErrExists) {
				t.Fatalf("second Import: %v, want ErrExists", err)
			}
		})
	}
}

func TestImportRefusesGarbage(t *testing.T) {
	k := openTest(t, t.TempDir())
	if _, err := k.Import("x", []byte("not an age file"), "p"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Import of garbage: %v, want ErrCorrupt", err)
	}
	// A valid age file under the right passphrase that is not a key export.
	other, err := encrypt([]byte("hello"), "p", 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Import("x", other, "p"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Import of a non-export: %v, want ErrCorrupt", err)
	}
	if _, err := k.Export("x", ""); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("Export with an empty passphrase: %v, want ErrEmptyPassphrase", err)
	}
}

func TestNames(t *testing.T) {
	k := openTest(t, t.TempDir())
	good := []string{"a", "alice", "Alice_2", "validator-0", "my.key", strings.Repeat("x", 64)}
	for _, name := range good {
		if _, err := k.Add(name); err != nil {
			t.Errorf("Add(%q): %v", name, err)
		}
	}
	bad := []string{
		"", ".", "..", "../evil", "a/b", `a\b`, ".hidden", "-flag", "with space",
		"tab\t", "nul\x00", "é", strings.Repeat("x", 65), "/abs",
	}
	for _, name := range bad {
		if _, err := k.Add(name); !errors.Is(err, ErrBadName) {
			t.Errorf("Add(%q): %v, want ErrBadName", name, err)
		}
		if _, err := k.Get(name); !errors.Is(err, ErrBadName) {
			t.Errorf("Get(%q): %v, want ErrBadName", name, err)
		}
		if err := k.Delete(name); !errors.Is(err, ErrBadName) {
			t.Errorf("Delete(%q): %v, want ErrBadName", name, err)
		}
		if _, err := k.Import(name, nil, "p"); !errors.Is(err, ErrBadName) {
			t.Errorf("Import(%q): %v, want ErrBadName", name, err)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(k.Dir()))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("bad names wrote outside the keyring directory: %d entries", len(entries))
	}
}

func TestDuplicateName(t *testing.T) {
	for _, backend := range []Backend{BackendTest, BackendFile} {
		t.Run(string(backend), func(t *testing.T) {
			p := &fixedPrompt{pass: "pass"}
			k, err := Open(t.TempDir(), backend, p.prompt, fast)
			if err != nil {
				t.Fatal(err)
			}
			first, err := k.Add("alice")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := k.Add("alice"); !errors.Is(err, ErrExists) {
				t.Fatalf("second Add: %v, want ErrExists", err)
			}
			if _, err := k.AddSeed("alice", make([]byte, 32)); !errors.Is(err, ErrExists) {
				t.Fatalf("AddSeed over a key: %v, want ErrExists", err)
			}
			got, err := k.Get("alice")
			if err != nil {
				t.Fatal(err)
			}
			if got != first {
				t.Fatal("a refused Add replaced the key")
			}
		})
	}
}

func TestCorruptFiles(t *testing.T) {
	k := openTest(t, t.TempDir())
	key, err := k.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(k.Dir(), "alice.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The file renamed to another key's name.
	if err := os.WriteFile(filepath.Join(k.Dir(), "bob.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get("bob"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of a misnamed file: %v, want ErrCorrupt", err)
	}
	if _, err := k.List(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("List with a misnamed file: %v, want ErrCorrupt", err)
	}
	os.Remove(filepath.Join(k.Dir(), "bob.json"))

	// A seed that does not match the public key.
	other, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := k.PrivateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	swapped := bytes.Replace(data, []byte(hex.EncodeToString(priv.Seed())), []byte(hex.EncodeToString(other.Seed())), 1)
	if err := os.WriteFile(path, swapped, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := k.PrivateKey("alice"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("PrivateKey with a swapped seed: %v, want ErrCorrupt", err)
	}
	if got, err := k.Get("alice"); err != nil || got != key {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	// A plaintext key file in a file keyring is refused, not used.
	fileDir := filepath.Join(filepath.Dir(k.Dir()), "keyring-file")
	if err := os.MkdirAll(fileDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fileDir, "alice.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := openFile(t, filepath.Dir(k.Dir()), "pass")
	if _, err := f.Get("alice"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("file keyring Get of a plaintext key: %v, want ErrCorrupt", err)
	}
}

func TestParseBackend(t *testing.T) {
	for _, s := range []string{"file", "test"} {
		if b, err := ParseBackend(s); err != nil || string(b) != s {
			t.Errorf("ParseBackend(%q) = %q, %v", s, b, err)
		}
	}
	for _, s := range []string{"", "os", "FILE", "memory"} {
		if _, err := ParseBackend(s); !errors.Is(err, ErrBadBackend) {
			t.Errorf("ParseBackend(%q): %v, want ErrBadBackend", s, err)
		}
	}
	if _, err := Open(t.TempDir(), "os", nil); !errors.Is(err, ErrBadBackend) {
		t.Errorf("Open with backend os: %v, want ErrBadBackend", err)
	}
}

// A key file records the scrypt cost it was written with, so a keyring
// opened at another cost (a user's default one) still opens it; a cost out
// of range is refused before anything is created.
func TestWorkFactorIsRecordedInTheFile(t *testing.T) {
	dir := t.TempDir()
	k, _ := openFile(t, dir, "pass")
	added, err := k.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(k.path("alice"))
	if err != nil {
		t.Fatal(err)
	}
	var f keyFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	header, err := io.ReadAll(armor.NewReader(strings.NewReader(f.EncryptedSeed)))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^-> scrypt \S+ 10$`).Match(header) {
		t.Fatalf("the key file's age header does not record work factor 10:\n%.200s", header)
	}
	for _, opts := range [][]Option{nil, {WorkFactor(12)}} {
		other, err := Open(dir, BackendFile, (&fixedPrompt{pass: "pass"}).prompt, opts...)
		if err != nil {
			t.Fatal(err)
		}
		priv, err := other.PrivateKey("alice")
		if err != nil || priv.Public() != added.PublicKey {
			t.Fatalf("key written at factor 10, opened with %d option(s): %v", len(opts), err)
		}
	}
	fresh := filepath.Join(t.TempDir(), "new")
	for _, n := range []int{9, 23} {
		if _, err := Open(fresh, BackendFile, nil, WorkFactor(n)); err == nil || !strings.Contains(err.Error(), "work factor") {
			t.Fatalf("work factor %d: %v", n, err)
		}
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused Open created its directory: %v", err)
	}
}
