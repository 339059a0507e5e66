// Package enclave is the code that must run inside the TEE: it creates the
// enclave's keys, keeps them sealed at rest, attests to them, and signs the
// enclave's messages. Its API is the trust boundary: nothing outside this
// package ever sees a private key, and the host code around it (the chain
// follower, networking, disk) only handles public keys, sealed blobs and
// signed messages.
//
// On TDX and SEV-SNP the whole worker process runs in the confidential VM
// and the boundary is also enforced by hardware; on the sim platform the
// same boundary exists in code only, and protects nothing.
package enclave
