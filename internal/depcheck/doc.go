// Package depcheck holds the test that keeps the repository's one-way
// dependencies: what runs in an enclave, what a worker follows the chain
// with and what a client links must not link the gatekeeper's state
// database or a CometBFT node. docs/architecture.md lists the rules.
package depcheck
