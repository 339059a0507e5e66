// Package executor runs a worker's contracts inside its enclave: it opens
// each command's sealed input with the contract's key, runs the contract
// in the wasm runtime over the contract's sealed state, seals the output
// for the caller, and keeps the state, the state roots and its progress
// through each cluster's command log in one sealed store (enclave/internal/sealeddb),
// updated atomically per command.
//
// Everything a command's outcome depends on comes from the chain (the
// command, its block, the code) or from the cluster key every worker of
// the cluster shares, so every honest worker produces the same result
// vote, byte for byte.
package executor
