package tee

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
)

func TestSimSealRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := openSimT(t, Options{Dir: dir})
	plain, aad := []byte("enclave keys"), []byte("phalanx/enclave: keys v1")
	sealed, err := p.Seal(plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain) {
		t.Error("sealed data contains the plaintext")
	}
	got, err := p.Unseal(sealed, aad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("unseal: %q, %v", got, err)
	}
	again, err := p.Seal(plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again, sealed) {
		t.Error("two seals of the same data are equal (nonce reused)")
	}

	fi, err := os.Stat(filepath.Join(dir, SimSealingKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() != sealKeySize {
		t.Errorf("key file mode %v size %d", fi.Mode(), fi.Size())
	}

	// The key persists: another Open of the same directory unseals.
	got, err = openSimT(t, Options{Dir: dir}).Unseal(sealed, aad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("unseal after reopening: %q, %v", got, err)
	}
	// Another directory is another key.
	if _, err := openSimT(t, Options{}).Unseal(sealed, aad); !errors.Is(err, ErrUnseal) {
		t.Errorf("unseal with another key: %v", err)
	}
}

func TestSimUnsealRefusals(t *testing.T) {
	p := openSimT(t, Options{})
	aad := []byte("aad")
	sealed, err := p.Seal([]byte("secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct{ sealed, aad []byte }{
		"other aad":          {sealed, []byte("aae")},
		"no aad":             {sealed, nil},
		"ciphertext flipped": {teetest.Flip(sealed, len(sealed)-1), aad},
		"nonce flipped":      {teetest.Flip(sealed, 1), aad},
		"format changed":     {teetest.Flip(sealed, 0), aad},
		"truncated":          {sealed[:20], aad},
		"empty":              {nil, aad},
	}
	for name, c := range cases {
		if _, err := p.Unseal(c.sealed, c.aad); !errors.Is(err, ErrUnseal) {
			t.Errorf("%s: %v, want ErrUnseal", name, err)
		}
	}
}

// Unseal before any Seal finds no key; it creates none, and says so.
func TestUnsealWithoutKey(t *testing.T) {
	dir := t.TempDir()
	p := openSimT(t, Options{Dir: dir})
	if _, err := p.Unseal(make([]byte, 64), nil); !errors.Is(err, ErrUnseal) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unseal without a key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, SimSealingKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Unseal created a key file: %v", err)
	}
}

// A key file of the wrong size is an error, never replaced.
func TestCorruptKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SimSealingKeyFile)
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openSimT(t, Options{Dir: dir}).Seal([]byte("x"), nil); err == nil {
		t.Error("sealed with a 5-byte key file")
	}
	if b, _ := os.ReadFile(path); string(b) != "short" {
		t.Error("key file replaced")
	}
}

// Platforms opened at once on one directory agree on one key.
func TestKeyFileCreationRace(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	sealed := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		p := openSimT(t, Options{Dir: dir})
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := p.Seal([]byte("x"), nil)
			if err != nil {
				t.Error(err)
			}
			sealed[i] = s
		}()
	}
	wg.Wait()
	p := openSimT(t, Options{Dir: dir})
	for i, s := range sealed {
		if _, err := p.Unseal(s, nil); err != nil {
			t.Errorf("seal %d: %v", i, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files left in the directory", len(entries))
	}
}

// A key file is bound to its platform: tdx does not open what sim sealed
// with the same root secret.
func TestSealingKeyPerPlatform(t *testing.T) {
	root := func(bool) ([]byte, error) { return make([]byte, sealKeySize), nil }
	sim := &sealer{platform: Sim, root: root}
	tdx := &sealer{platform: TDX, root: root}
	sealed, err := sim.Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tdx.Unseal(sealed, nil); !errors.Is(err, ErrUnseal) {
		t.Errorf("tdx unsealed sim data: %v", err)
	}
}
