package gobuild

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// offline makes the go command behave as on a fresh machine with no
// network: no module proxy, no module cache, no workspace, no toolchain
// download.
func offline(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOWORK", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOMODCACHE", t.TempDir())
}

const counter = `package main

import "github.com/phalanx-net/phalanx/sdk/contract"

func init() {
	contract.Handle("inc", func(ctx contract.Context, _ struct{}) error {
		ctx.SetUint64("n", ctx.Uint64("n")+1)
		return nil
	})
}

func main() {}
`

// TestNewModuleBuildsOffline writes a module outside this repository and
// builds it with no network, from another working directory.
func TestNewModuleBuildsOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Go toolchain")
	}
	offline(t)
	dir := filepath.Join(t.TempDir(), "counter")
	if err := NewModule(dir, "example.org/counter", map[string][]byte{"main.go": []byte(counter)}); err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"module example.org/counter\n", "go " + sdkGoVersion() + "\n", "require " + SDKPath + " v0.0.0\n", "replace " + SDKPath + " => ./phalanx-sdk\n"} {
		if !bytes.Contains(mod, []byte(want)) {
			t.Errorf("go.mod lacks %q:\n%s", want, mod)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, SDKDir, "contracttest", "contracttest.go")); err != nil {
		t.Errorf("the SDK copy lacks the test kit: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, SDKDir, "source_test.go")); err == nil {
		t.Error("the SDK copy holds the SDK's own tests")
	}
	t.Chdir(t.TempDir()) // the build does not depend on where it is run from
	if err := Build(dir, "out.wasm", nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("out.wasm") // relative to the working directory
	if err != nil || !bytes.HasPrefix(b, []byte("\x00asm")) {
		t.Fatalf("out.wasm: %v", err)
	}
}

func TestNewModuleRefusals(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "mine.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := NewModule(dir, "x", nil); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("a non-empty folder: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the refused folder now holds %d entries", len(entries))
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := NewModule(bad, "my voting", nil); err == nil || !strings.Contains(err.Error(), `module path: malformed import path "my voting"`) {
		t.Fatalf("a module path with a space: %v", err)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Fatal("a refused module was written")
	}
	// An empty folder is fine.
	if err := NewModule(t.TempDir(), "x", nil); err != nil {
		t.Fatal(err)
	}
}

func TestBuildRefusals(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(counter), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Build(dir, filepath.Join(dir, "c.wasm"), nil); !errors.Is(err, ErrNoModule) || !strings.Contains(err.Error(), dir+" has no go.mod") {
		t.Fatalf("a folder in no module: %v", err)
	}
	if err := Build(filepath.Join(dir, "nosuch"), "c.wasm", nil); err == nil || !strings.Contains(err.Error(), "is not a folder with a Go contract") {
		t.Fatalf("a missing folder: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	if err := Build(dir, "c.wasm", nil); !errors.Is(err, ErrNoToolchain) || !strings.Contains(err.Error(), "install Go 1.24 or newer") {
		t.Fatalf("no go on PATH: %v", err)
	}
}
