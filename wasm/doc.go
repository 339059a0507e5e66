// Package wasm is the contract runtime: it compiles WebAssembly contracts
// with wazero (pure Go, compiler engine, compiled code cached on disk) and
// runs their handlers against a Host that the worker implements.
//
// A contract sees only what the host ABI gives it (module "phalanx":
// storage, caller, contract id, block height and time, input, output,
// randomness derived from a seed the host passes) and a WASI environment
// with no arguments, no environment, no files, a clock fixed at the block
// time and a random source seeded from the host's seed. So the same code,
// input and host state give the same result on every worker.
//
// Every pointer and length a contract passes to the host is checked
// against its memory; a contract that traps, runs out of memory, imports
// something unknown or passes bad pointers gets an error, and the engine
// stays usable. Gas is metered by instrumenting the module when it is
// compiled (wasm/internal/gas): every straight-line segment pays before it
// runs, and host calls pay for the bytes they move, so the same call with
// the same gas limit stops at the same point on every worker.
package wasm
