// Package worker runs the host processes around an enclave: a worker
// (Worker, New) and a gatekeeper's key manager (KeyManager,
// NewKeyManager), two hosts over one loop (Host). The loop follows the
// chain without trusting the node it talks to (every header verified by
// CometBFT's light client, every state read proven against a verified
// app hash), registers the enclave with its attestation, hands the
// enclave the chain's messages to it in order and submits what the
// enclave answers, and keeps a sealed checkpoint so a restart resumes
// where it stopped with the same identity. It depends on no single node:
// given several, it fails over from one that dies or stalls, and the
// others are its light client's witnesses.
//
// A worker also runs its clusters' commands, answers heartbeat
// challenges, and serves the query API (worker/api); a key manager does
// only the enclave's key work, through the chain's messages. Host code
// moves bytes: the enclave opens what users and other enclaves sealed,
// and seals what it sends (see package enclave).
package worker
