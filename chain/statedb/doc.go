// Package statedb is where the gatekeepers' state lives: a versioned,
// Merkleized key/value store, an IAVL tree on goleveldb, with its
// snapshots, proofs and the export and import of a version for state
// sync.
//
// One IAVL tree holds every module's keys under the module's prefix, so
// the tree's root hash is the application hash CometBFT puts in each
// block header, and a single ICS-23 proof shows any key's value (or
// absence) against it. Version n of the tree is the state after block n.
//
// It is apart from package store, whose interfaces and caches the
// modules and clients use, so that what links the modules (an enclave, a
// client) does not link IAVL or goleveldb.
package statedb
