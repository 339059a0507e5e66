// Package client is the Go client of a Phalanx chain: it reads state from a
// gatekeeper's RPC (optionally with Merkle proofs), builds and signs
// transactions, broadcasts them and waits until they are committed.
//
// It speaks CometBFT's ordinary RPC, so it works against any gatekeeper,
// local or remote. Errors a node returns for a transaction come back as
// *TxError, which matches the chain's registered errors with errors.Is
// (errors.Is(err, tx.ErrStaleNonce)).
package client
