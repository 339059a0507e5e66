// Package gobuild builds Go contracts with the Go toolchain, as their
// authors do:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o OUT .
//
// run in the contract's folder, so it works from any working directory.
// -trimpath keeps the building machine's paths out of the module, so the
// same source and Go version give the same bytes anywhere.
//
// It also writes contract modules (NewModule): a go.mod that requires the
// contract SDK and replaces it with a copy of the SDK written beside it,
// so the module builds and tests with no network and no checkout of
// Phalanx.
package gobuild

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Errors a caller acts on.
var (
	// ErrNoToolchain means the go command is not on PATH.
	ErrNoToolchain = errors.New("the Go toolchain is not installed: no go command on PATH")
	// ErrNoModule means the folder is in no Go module.
	ErrNoModule = errors.New("not in a Go module")
)

// Build compiles the Go contract in dir (a main package of a Go module) to
// out; the toolchain's messages go to log (nil discards them).
func Build(dir, out string, log io.Writer) error { return build(dir, out, log) }

func build(dir, out string, log io.Writer, env ...string) error {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("%w (install Go %s or newer from https://go.dev/dl)", ErrNoToolchain, sdkGoVersion())
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("%s is not a folder with a Go contract", dir)
	}
	if _, err := findModule(dir); err != nil {
		return err
	}
	// The build runs in dir; out is where the caller meant it.
	if out, err = filepath.Abs(out); err != nil {
		return err
	}
	cmd := exec.Command(goCmd, "build", "-buildmode=c-shared", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm"), env...)
	var msgs strings.Builder
	cmd.Stdout, cmd.Stderr = &msgs, &msgs
	err = cmd.Run()
	if log != nil {
		io.WriteString(log, msgs.String())
	}
	if err != nil {
		return fmt.Errorf("building the contract in %s: %w\n%s", dir, err, msgs.String())
	}
	return nil
}

// findModule returns the go.mod that dir belongs to: dir's own, or the
// nearest above it, as the go command looks for it.
func findModule(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; {
		if st, err := os.Stat(filepath.Join(d, "go.mod")); err == nil && !st.IsDir() {
			return filepath.Join(d, "go.mod"), nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("%w: %s has no go.mod, nor has any folder above it", ErrNoModule, dir)
		}
		d = up
	}
}

// Module builds the Go contract in dir and returns the module's bytes.
func Module(dir string) ([]byte, error) { return buildBytes(dir) }

func buildBytes(dir string, env ...string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "contract")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "contract.wasm")
	if err := build(dir, out, nil, env...); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}
