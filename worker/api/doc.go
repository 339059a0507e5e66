// Package api is the worker's query protocol, shared by the worker's
// server and the clients: encrypted, signed, read-only queries answered
// straight from a worker's latest contract state, without a transaction.
//
// A one-shot query (POST /v1/query) is an envelope request
// (crypto/envelope) sealed to the worker's attested encryption key; its
// plaintext is a SignedQuery: the query signed by the caller's account
// key, with a timestamp and a random nonce, so a recorded query cannot be
// replayed. The answer is sealed under the key exported from the
// request's HPKE context, so only the caller reads it.
//
// A session (POST /v1/session, then POST /v1/session/{id}) pays for HPKE
// and a signature once: the client sends the session setup and a signed
// Hello as the session's first message; each later message is one AEAD
// operation, numbered against replay, and answered under its own key.
package api
