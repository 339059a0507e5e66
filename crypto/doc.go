// Package crypto holds Phalanx's account keys and addresses and its
// domain-separated signatures.
//
// Accounts sign with ed25519 (Go's crypto/ed25519). An address is the first
// 20 bytes of SHA-256 over the public key, written in bech32 with the prefix
// "pha". Every signature is made under a [Context] naming what is signed, so
// a signature produced for one purpose can never be replayed as another.
package crypto
