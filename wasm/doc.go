// Package wasm is the contract runtime: it compiles WebAssembly contracts
// with wazero (pure Go, compiler engine, compiled code cached on disk) and
// runs their handlers against a Host that the worker implements.
//
// A contract sees only what the host ABI (declared once, in wasm/abi) gives it (module "phalanx":
// storage, caller, contract id, block height and time, input, output,
// randomness derived from a seed the host passes) and a WASI environment
// with no arguments, no environment, no files, a clock fixed at the block
// time and a random source seeded from the host's seed. So the same code,
// input and host state give the same result on every worker.
//
// Every pointer and length a contract passes to the host is checked
// against its memory; a contract that panics, traps, runs out of memory,
// exceeds a size limit, imports something unknown or passes bad pointers
// gets a typed error that says which (errors.go), the same on every
// worker, and the engine stays usable. Gas is metered by instrumenting the module once, at upload
// (Prepare; wasm/internal/gas): every segment pays as it starts, and host
// calls pay for the bytes they move, so the same call with the same gas
// limit stops at the same point on every worker.
//
// A contract initializes once per Code, on a budget of its own (at
// Initialize, which a worker calls when the contract is instantiated, or
// at the first call); the runtime snapshots the instance then and restores it before every call
// (instance.go), so calls are fast and each starts from the same state.
package wasm
