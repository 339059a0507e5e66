// Package store is the key/value interface the chain's modules read and
// write the state through, the write caches the application layers on
// it, and the verification of a key's ICS-23 proof against an
// application hash. The state's database itself, an IAVL tree on disk,
// is package statedb: this package links neither, so enclaves and
// clients that decode and prove state do not link a database.
//
// A [Cache] buffers writes over any [Reader] and flushes them in sorted key
// order, so the order of writes never depends on map iteration. The
// application keeps one Cache per block and one per transaction, so a failed
// transaction's writes are simply dropped.
package store
