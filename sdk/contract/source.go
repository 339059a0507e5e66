//go:build !wasip1

package contract

import "embed"

// Source is the SDK's own source: its go.mod and every package's Go files
// (tests included). The phalanx binary writes it out beside a contract
// (`phalanx contract new`, the devnet's examples), so that the contract's
// module requires this SDK through a local replace and builds and tests
// with no network and no checkout of Phalanx. It exists only natively:
// a contract compiled to WebAssembly does not carry it.
//
//go:embed go.mod *.go contracttest/*.go internal/native/*.go
var Source embed.FS
