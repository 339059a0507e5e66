// Package enclave is the code that must run inside the TEE: it creates the
// enclave's identity and encryption keys, keeps them and the master and
// cluster keys it receives sealed at rest, attests to them, signs the
// enclave's messages, and seals and opens the keys that travel between
// enclaves through the chain's message queue.
//
// What crosses its API today, and so what host code sees:
//
//   - the identity and HPKE private keys, the master keys and the cluster
//     keys stay in this package; the host gets public keys, sealed blobs and
//     signed messages;
//   - a contract's private key and its commands' randomness seeds
//     (Enclave.Contract) and the key that seals contract state
//     (Enclave.DataKey) are handed to enclave/executor, which runs commands;
//   - a query opened with Enclave.OpenRequest returns its plaintext and
//     response key to the caller, and Enclave.OpenSession returns the
//     session's keys in an envelope.ServerSession: the worker's query
//     server (worker/query.go) holds both and runs the query.
//
// So the boundary that protects queries and contract keys is the worker
// process, not this package: on TDX and SEV-SNP the whole worker process
// runs in the confidential VM and hardware keeps the host out of it; on
// the sim platform nothing does, and the boundary protects nothing.
package enclave
