// Package snapshot is the gatekeepers' state sync format: a committed
// version of the state tree cut into chunks that a new node fetches from
// its peers through CometBFT's state sync, and the files a node keeps its
// snapshots in.
//
// A snapshot is the tree's export (package store: IAVL nodes in
// depth-first post-order) encoded node by node and cut into chunks of
// about ChunkBytes. The cut depends only on the nodes, so every node that
// takes a snapshot of the same height produces the same chunks, and
// CometBFT can fetch them from several peers at once. The metadata lists
// the SHA-256 of every chunk, and the snapshot's hash is the hash of the
// metadata: a restoring node checks each chunk against the list before it
// uses it, and, at the end, the rebuilt tree's root against the app hash
// the light client verified.
//
// Chunks and metadata come from peers: Decode and DecodeMetadata take any
// bytes and either return what they describe or an error, never more
// memory than the input's size bounds.
package snapshot
