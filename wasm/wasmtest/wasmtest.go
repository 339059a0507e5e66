// Package wasmtest helps tests build contracts from source, as their
// authors do, with the Go toolchain.
package wasmtest

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/phalanx-net/phalanx/wasm/gobuild"
)

// Build compiles the Go contract in dir (GOOS=wasip1 GOARCH=wasm,
// c-shared, trimpath) and returns the module's bytes.
func Build(dir string) ([]byte, error) { return gobuild.Module(dir) }

// Probe builds the runtime's probe contract (wasm/testdata/probe), which
// misbehaves in every way a contract can, chosen by method name, from
// any package's tests.
func Probe() ([]byte, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("wasmtest: cannot locate the probe's source")
	}
	return Build(filepath.Join(filepath.Dir(file), "..", "testdata", "probe"))
}

// Init modes of the probe (ProbeWithInit).
const (
	InitOK    = "ok......" // initializes normally
	InitPanic = "panic..." // panics in init
	InitLoop  = "loop...." // never ends: runs out of its initialization gas
	InitBomb  = "bomb...." // allocates until the memory limit
)

const initPrefix = "phalanx-probe-init:"

// ProbeWithInit returns the probe module with its initialization set to
// mode: the probe's init reads a string that this replaces in the
// module's data, so each mode is a distinct code from one build.
func ProbeWithInit(probe []byte, mode string) ([]byte, error) {
	old := []byte(initPrefix + InitOK)
	if len(mode) != len(InitOK) {
		return nil, fmt.Errorf("wasmtest: init mode %q is not %d bytes", mode, len(InitOK))
	}
	if n := bytes.Count(probe, old); n != 1 {
		return nil, fmt.Errorf("wasmtest: the probe holds its init mode %d times, not once", n)
	}
	return bytes.Replace(probe, old, []byte(initPrefix+mode), 1), nil
}
