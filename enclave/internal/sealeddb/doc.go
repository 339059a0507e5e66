// Package sealeddb is an enclave's encrypted key/value store on the host's
// disk: contract state lives here, and the host sees neither keys nor
// values. The host provides the database (a Backend: worker/hostdb), so
// the enclave links none. Keys are replaced by an HMAC under the store's key (so equal
// keys still find each other), values are sealed with AES-256-GCM bound to
// their key (so the host cannot move a value to another key), and batches
// are written atomically, so a crash leaves one state or the other.
//
// What the host still learns: how many entries there are, their sizes,
// and which entries a write touches. Rolling the whole store back to an
// older copy is detected by the caller, which keeps its progress (and the
// contracts' state roots) in the same store and compares them with the
// chain.
package sealeddb
