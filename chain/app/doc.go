// Package app is the gatekeepers' state machine: an ABCI application that
// CometBFT drives block by block.
//
// It owns the block lifecycle — InitChain writes the genesis state,
// CheckTx admits transactions to the mempool, FinalizeBlock runs a block's
// transactions through the modules and returns the new app hash, Commit
// saves the state — and routes each message to its module. The app hash is
// the root of the IAVL tree in package store, so every value a client or
// worker reads can be proven against a block header.
//
// Three states are kept apart: the committed state (read by queries, as
// snapshots), the check state (the committed state plus the mempool's
// accepted transactions, so a sender's nonces can run ahead of the chain),
// and the block state (the writes of the block being finalized, flushed
// into the tree only once every transaction ran and the invariants hold).
package app
