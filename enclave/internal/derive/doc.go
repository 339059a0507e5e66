// Package derive holds the enclave's key derivations (DESIGN §4): the
// master key's public key, the cluster keys derived from a master key,
// and a contract's key pair and command seeds derived from its cluster's
// key. Its functions take and return secrets, so it is internal to
// enclave/: no host code can call it.
package derive
