// Package wasmtest helps tests build contracts from source, as their
// authors do, with the Go toolchain.
package wasmtest

import "github.com/phalanx-net/phalanx/wasm/gobuild"

// Build compiles the Go contract in dir (GOOS=wasip1 GOARCH=wasm,
// c-shared, trimpath) and returns the module's bytes.
func Build(dir string) ([]byte, error) { return gobuild.Module(dir) }
