// Package contract is the SDK for Phalanx contracts: ordinary Go, built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o c.wasm .
//
// (or `phalanx contract build DIR`). A contract registers its handlers in
// init and has an empty main:
//
//	func init() {
//		contract.Handle("deposit", func(ctx contract.Context, amount uint64) error { ... })
//	}
//	func main() {}
//
// The SDK exports the function the runtime calls, reads the method and the
// input, decodes the input as JSON into the handler's argument, and hides
// the pointers and lengths of the host ABI (see the wasm package of
// Phalanx) behind Context.
//
// Built natively (any GOOS but wasip1) the same handlers run in ordinary
// Go tests, against the in-memory store of package contracttest.
//
// The SDK is a Go module of its own that needs only the standard library,
// so a contract's module requires nothing of the node. `phalanx contract
// new` writes a contract module with a copy of it (see Source).
package contract
