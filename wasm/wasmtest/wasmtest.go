// Package wasmtest helps tests build contracts from source, as their
// authors do, with the Go toolchain.
package wasmtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles the Go contract in dir (GOOS=wasip1 GOARCH=wasm,
// c-shared, trimpath) and returns the module's bytes.
func Build(dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "contract")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "contract.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", out, dir)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the contract in %s: %w\n%s", dir, err, b)
	}
	return os.ReadFile(out)
}
