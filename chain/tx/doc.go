// Package tx is the transaction envelope shared by every module: chain id,
// sender key, per-account nonce, fee, a list of messages, and an ed25519
// signature under the "phalanx/tx: v1" context, all in canonical CBOR (see
// package codec for why).
//
// Decode is the chain's front door for outside bytes: it never panics, and
// refuses anything that is not exactly one canonical transaction. The
// checks that need state (nonce, balance) live in the application.
package tx
