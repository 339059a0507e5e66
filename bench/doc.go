// Package bench measures a devnet's committed transaction rate and compares
// it with a bare CometBFT application (no signatures, no state) carrying
// transactions of the same size, on the same machine, in the same run.
//
// The load generator is fair to both: transactions are signed before the
// clock starts (a real network's clients sign on their own machines), they
// are submitted through each node's in-process RPC client (as through the
// RPC server, without HTTP), and submission pauses while a node's mempool
// holds more than a target number of transactions, as a client with
// back-pressure would, so neither engine drowns in rechecks of a backlog it
// can never clear.
package bench
