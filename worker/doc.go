// Package worker runs a Phalanx worker: the host process around a worker
// enclave. It follows the chain without trusting the node it talks to
// (every header verified by CometBFT's light client, every state read
// proven against a verified app hash), registers the enclave with its
// attestation, processes the chain's messages to the enclave in order, and
// keeps a sealed checkpoint so a restart resumes where it stopped with the
// same identity. It depends on no single node: given several, it fails
// over from one that dies or stalls, and the others are its light
// client's witnesses.
package worker
