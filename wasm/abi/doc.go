// Package abi declares the host ABI once: the functions the runtime
// offers contracts in the "phalanx" module, with their parameter and
// result types and what each does.
//
// Both sides are derived from this table. The runtime (package wasm)
// registers exactly these functions and checks at start-up that each
// implementation has the declared signature; the contract SDK's
// //go:wasmimport declarations (sdk/contract/imports_wasip1.go) are
// generated from it by `go generate ./wasm/abi`, and a test fails when the
// checked-in file differs from what the generator writes. So a function
// cannot be added, renamed or retyped on one side only.
//
// The package imports nothing but the standard library, so the SDK's
// generator and the runtime can share it without sharing anything else.
package abi
