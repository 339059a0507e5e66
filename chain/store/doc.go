// Package store is the gatekeepers' state: a versioned, Merkleized key/value
// store (an IAVL tree on disk) and the write caches the application layers
// on top of it.
//
// One IAVL tree holds every module's keys under the module's prefix, so the
// tree's root hash is the application hash CometBFT puts in each block
// header, and a single ICS-23 proof shows any key's value (or absence)
// against it. Version n of the tree is the state after block n.
//
// A [Cache] buffers writes over any [Reader] and flushes them in sorted key
// order, so the order of writes never depends on map iteration. The
// application keeps one Cache per block and one per transaction, so a failed
// transaction's writes are simply dropped.
package store
