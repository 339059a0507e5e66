// Package envelope encrypts requests to an enclave and the enclave's
// responses back, in the manner of Oblivious HTTP (RFC 9458).
//
// A request is sealed with HPKE (RFC 9180) to the enclave's public key in
// the Phalanx suite of package crypto: ML-KEM-768+X25519, HKDF-SHA256,
// ChaCha20-Poly1305. The HPKE info string names the purpose of the request
// (e.g. "phalanx/command v1" or "phalanx/query v1"), so a request sealed
// for one purpose does not open as another. The response is sealed under a
// [ResponseKey] exported from the same HPKE context, which only the sender
// and the enclaves holding the private key can compute.
//
// # Formats
//
// One-shot request ([SealRequest], [OpenRequest]):
//
//	enc (EncLen = 1120 bytes) || HPKE ciphertext (plaintext + 16-byte tag)
//
// The response key is HPKE Export("phalanx/envelope: response v1", 32).
//
// Session ([NewClientSession], [OpenServerSession]) for high request rates,
// one KEM operation for many requests. The setup is the HPKE enc, EncLen
// bytes, sent once. Each message is
//
//	sequence (8 bytes, big-endian) || AES-256-GCM ciphertext and tag
//
// under this key schedule, where secret = HPKE Export("phalanx/envelope:
// session v1", 32), id = SHA-256(setup)[:16] and Expand is HKDF-Expand with
// SHA-256:
//
//	request key   = Expand(secret, "phalanx/envelope: session request v1", 32)
//	nonce         = 4 zero bytes || sequence
//	AAD           = id || sequence
//	response key  = Expand(secret, "phalanx/envelope: session response v1 " || sequence, 32)
//
// Sequence numbers start at 0. A server session accepts each one once, in
// any order within [ReplayWindow] of the highest accepted; older ones are
// refused as replays.
//
// Response (both modes), with Expand as above and k the response key:
//
//	nonce (12 bytes) || AES-256-GCM ciphertext and tag (16 bytes)
//	nonce = HMAC-SHA256(Expand(k, "phalanx/envelope: response nonce v1", 32), plaintext)[:12]
//	GCM key = Expand(k, "phalanx/envelope: response enc v1", 32), no AAD
//
// AES-256-GCM from the standard library is the symmetric cipher of sessions
// and responses: the HPKE AEAD, ChaCha20-Poly1305, is not exposed by the
// standard library outside crypto/hpke, and a session must open messages
// out of order, which an HPKE context (a strictly sequential nonce counter)
// cannot.
//
// # Deterministic responses
//
// Sealing a response is deterministic: the same key and plaintext always
// give the same bytes. Several enclaves that open the same request and
// compute the same answer therefore produce identical ciphertexts and can
// agree on the encrypted output.
//
// This is safe because each key belongs to a single request: it is freshly
// exported from that request's HPKE context (or derived for one sequence
// number of a session), so no two requests share a key, and an observer
// learns at most that two sealings under one key are of the same answer. A
// key can still seal two different answers, when a stored request is
// replayed and answered again later; the nonce is therefore not fixed but
// a MAC of the plaintext (the SIV construction), so different answers get
// different GCM nonces and the nonce-reuse failure of GCM (leaking the
// XOR of plaintexts and allowing forgeries) cannot occur.
package envelope
