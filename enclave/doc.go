// Package enclave is the code that must run inside the TEE, and its API
// is the trust boundary: sealed bytes in, sealed bytes out. Nothing it
// exports returns a private key, a master, cluster or contract key, or a
// plaintext a user sealed.
//
//   - Keys: Open opens the TEE platform the host names, and creates or
//     unseals the enclave's identity (ed25519) and encryption (HPKE) keys
//     on it; OpenSecrets the master and cluster keys it has received. The host gets their public keys, the Registration
//     (an attestation binding them) and signed queue messages (Post,
//     PostConsumed).
//   - Chain messages: Handle dispatches one of the chain's messages to the
//     enclave by a topic table inside it (registration confirmed, generate
//     a master key, hand it over, receive it, share or receive a cluster
//     key) and returns the enclave's answers for the chain. What travels
//     between enclaves is sealed to the receiver's attested encryption key
//     (HandOver, ShareCluster; ReceiveMaster and ReceiveCluster open it).
//     HandOver and ShareCluster take the chain's request and seal nothing
//     before they verify, inside the enclave, the recipient's
//     registration the request carries, with the chain's own verification
//     code (checkRecipient): the chain's record alone is not trusted with
//     the keys, and no exported method seals a key without that check.
//   - Contracts (OpenContracts, for a worker): commands in with inputs
//     sealed to the contract's key, result votes out with outputs sealed
//     to the caller (Execute); queries and query sessions in sealed to the
//     enclave's key, answers out sealed to the caller (Query, OpenSession,
//     SessionQuery). The session keys and the query nonces stay inside.
//     What a query needs of the chain (the contract's record, its code,
//     the last verified header) the host reads, proven, through
//     QueryChain. QueryUnsealed runs a query given in the clear, for
//     benchmarks; nothing a user sealed goes through it.
//   - At rest: the host keeps the sealed checkpoint (SealCheckpoint and
//     UnsealCheckpoint, which open the checkpoint only) and the sealed
//     contract state, in a Backend it hands in, so the enclave links no
//     database.
//
// Inside, enclave/internal/derive derives the cluster and contract keys,
// enclave/internal/executor runs commands and queries in the wasm
// runtime, and enclave/internal/sealeddb seals the contract state; being
// internal, no host code can call them.
//
// The platform (tee.Platform) stays inside: the host gives Open the
// platform's name and options, never holds the platform, and so has no
// way through the API to its sealing, which would open everything the
// enclave sealed; it learns the platform's name and whether it is secure
// (PlatformName, Secure).
//
// On TDX and SEV-SNP the whole worker process runs in the confidential
// VM, and this boundary is one of code inside it; on the sim platform
// nothing protects either side, and the boundary protects nothing. Code
// of the same process could still call tee.Open itself: the API keeps
// secrets out of host code that uses it, the hardware keeps them from
// the machine's owner.
package enclave
