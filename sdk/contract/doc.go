// Package contract is the SDK for Phalanx contracts: ordinary Go, built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o c.wasm ./mycontract
//
// (or `phalanx contract build ./mycontract`). A contract registers its
// handlers in init and has an empty main:
//
//	func init() {
//		contract.Handle("deposit", func(ctx contract.Context, amount uint64) error { ... })
//	}
//	func main() {}
//
// The SDK exports the function the runtime calls, reads the method and the
// input, decodes the input as JSON into the handler's argument, and hides
// the pointers and lengths of the host ABI (see the wasm package) behind
// Context. It compiles only for GOOS=wasip1.
package contract
