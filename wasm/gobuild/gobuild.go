// Package gobuild builds Go contracts with the Go toolchain, as their
// authors do:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o OUT DIR
//
// -trimpath keeps the building machine's paths out of the module, so the
// same source and Go version give the same bytes anywhere.
package gobuild

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Build compiles the Go contract in dir to out; the toolchain's messages
// go to log (nil discards them).
func Build(dir, out string, log io.Writer) error {
	pkg := dir
	if !filepath.IsAbs(pkg) && !strings.HasPrefix(pkg, ".") {
		pkg = "./" + pkg // a directory, not an import path
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	var msgs strings.Builder
	cmd.Stdout, cmd.Stderr = &msgs, &msgs
	err := cmd.Run()
	if log != nil {
		io.WriteString(log, msgs.String())
	}
	if err != nil {
		return fmt.Errorf("building the contract in %s: %w\n%s", dir, err, msgs.String())
	}
	return nil
}

// Module builds the Go contract in dir and returns the module's bytes.
func Module(dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "contract")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "contract.wasm")
	if err := Build(dir, out, nil); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}
