// Package native connects package contract, when it runs natively (in a
// test, not as WebAssembly), to the test kit in package contracttest. It
// is internal so that the link is part of neither package's API.
package native

// Env is what one call reads and writes when a contract runs natively:
// the test kit implements it in place of the runtime's host ABI. Its
// methods have the ABI's meaning; one that breaks a limit of the runtime
// panics, ending the call as the runtime would.
type Env interface {
	Get(key []byte) ([]byte, bool)
	Set(key, value []byte)
	Remove(key []byte)
	Caller() [20]byte
	ContractID() [32]byte
	BlockHeight() int64
	BlockTime() int64 // unix nanoseconds
	Random(out []byte)
	Emit(b []byte)
}

// Call runs method with input on the handlers the contract registered,
// in env. Package contract sets it when it initializes, so it is set in
// any program that imports the contract's SDK.
var Call func(env Env, method string, input []byte) error
