package domain

// Signing contexts: the context is prepended to the message, with a NUL
// byte, before an Ed25519 signature (crypto.Context).
const (
	// Tx signs transactions (chain/tx).
	Tx = "phalanx/tx: v1"
	// MQMessage signs an enclave's messages to the chain (chain/modules/mq).
	MQMessage = "phalanx/mq: message v1"
	// WorkerQuery signs a worker's answers to confidential queries
	// (worker/api).
	WorkerQuery = "phalanx/query: v1"
	// SimQuote is the simulated TEE vendor's signature over a sim quote
	// (tee/internal/simquote).
	SimQuote = "phalanx/tee: sim quote v1"
)

// HPKE infos: what a sealed message is for and to whom.
const (
	// CommandSealInfo begins the info a contract command's input is
	// sealed under; the chain id, the contract and the caller follow,
	// separated by spaces (chain/modules/contracts.SealInfo).
	CommandSealInfo = "phalanx/command v1 "
	// QuerySealInfo begins the info a confidential query is sealed
	// under; the chain id and the worker follow, separated by spaces
	// (worker/api).
	QuerySealInfo = "phalanx/query v1 "
	// KeysMasterHandover is the first element of the CBOR array a master
	// key handed to a gatekeeper is sealed under
	// (chain/modules/keys.HandoverInfo).
	KeysMasterHandover = "phalanx/keys: master key v1"
	// KeysClusterKey is the first element of the CBOR array a cluster's
	// key of generation 0 is sealed to a worker under
	// (chain/modules/keys.ClusterInfo).
	KeysClusterKey = "phalanx/keys: cluster key v1"
	// KeysClusterKeys is the same for a cluster's keys of generations 0
	// to N, N > 0.
	KeysClusterKeys = "phalanx/keys: cluster keys v2"
	// KeysClusterKeysEpochs is the same for a cluster's keys of
	// generations 0 to N when they derive from more than one epoch's
	// master key (the master key rotated since the cluster was made).
	KeysClusterKeysEpochs = "phalanx/keys: cluster keys of epochs v1"
	// KeysSealingRoot is the first element of the CBOR array a sealing
	// root grant is sealed under: the chain, the request's id
	// (chain/modules/keys.SealingRootInfo).
	KeysSealingRoot = "phalanx/keys: sealing root v1"
)

// The response envelope's key schedule (crypto/envelope): HPKE exports
// from the request's context and HKDF expansions of them.
const (
	// EnvelopeResponse exports a one-shot request's response key.
	EnvelopeResponse = "phalanx/envelope: response v1"
	// EnvelopeResponseEnc expands the response key into its AES-GCM key.
	EnvelopeResponseEnc = "phalanx/envelope: response enc v1"
	// EnvelopeResponseNonce expands the response key into the key of the
	// HMAC that makes the deterministic nonce.
	EnvelopeResponseNonce = "phalanx/envelope: response nonce v1"
	// EnvelopeSession exports a session's secret.
	EnvelopeSession = "phalanx/envelope: session v1"
	// EnvelopeSessionRequest expands a session's secret into its request
	// key.
	EnvelopeSessionRequest = "phalanx/envelope: session request v1"
	// EnvelopeSessionResponse, followed by the response's 8-byte
	// sequence number, expands a session's secret into that response's
	// key.
	EnvelopeSessionResponse = "phalanx/envelope: session response v1 "
)

// Hashes.
const (
	// ModuleAccount, followed by a module's name, is hashed into the
	// module's account address (crypto.ModuleAddress).
	ModuleAccount = "phalanx/module-account\x00"
	// ContractID is the first element of the CBOR array hashed into a
	// contract's id (chain/modules/contracts.ContractID).
	ContractID = "phalanx/contracts: id v1"
	// ContractInitialState, followed by the contract's id, is hashed
	// into a new contract's state root.
	ContractInitialState = "phalanx/contracts: state v1 "
	// ContractNextState, followed by the previous state root and the
	// hash of a command's writes, is hashed into the next state root.
	ContractNextState = "phalanx/contracts: next v1 "
	// ComputingChallenge, followed by the block hash and a worker's
	// identity, is hashed into the draw that challenges the worker
	// (chain/modules/computing/keeper).
	ComputingChallenge = "phalanx/computing: challenge "
	// RegistryReportData begins what an enclave's quote report data
	// hashes: the keys, operator, chain, version and time it binds
	// (chain/modules/registry.ReportData).
	RegistryReportData = "phalanx/registry: report data v1\x00"
	// RegistryMachine, followed by a platform's name, a NUL byte and a
	// machine's id, is hashed into the state key of the worker on that
	// machine (chain/modules/registry.MachineKey).
	RegistryMachine = "phalanx/registry: machine v1\x00"
	// RegistrySealingRoot begins what a sealing root request's report
	// data hashes: the fresh key, operator, chain and time it binds
	// (chain/modules/registry.SealingRootReportData).
	RegistrySealingRoot = "phalanx/registry: sealing root request v1\x00"
	// KeysSealingRootID, followed by a request's fresh encryption key,
	// is hashed into the request's id (chain/modules/keys.SealingRootID).
	KeysSealingRootID = "phalanx/keys: sealing root id v1\x00"
)

// Key derivations (HKDF infos and labels), and additional data.
const (
	// TEESealingKey, formatted with the platform's name, derives a
	// platform's sealing key from its root (tee).
	TEESealingKey = "phalanx/tee: %s sealing key v1"
	// WasmRand, followed by a purpose ("wasi", "random", "init"),
	// derives a contract instance's deterministic random stream from
	// the host's seed (wasm).
	WasmRand = "phalanx/wasm: "
	// KeysMasterPublic derives the master key's HPKE key pair
	// (enclave/internal/derive).
	KeysMasterPublic = "phalanx/keys: master public v1"
	// KeysClusterV1, formatted with the cluster id, derives a cluster's
	// key of generation 0 from the master key (enclave/internal/derive).
	KeysClusterV1 = "phalanx/keys: cluster v1 %d"
	// KeysClusterV2, formatted with the cluster id and the generation,
	// derives a cluster's key of a later generation
	// (enclave/internal/derive).
	KeysClusterV2 = "phalanx/keys: cluster v2 %d %d"
	// KeysContract, formatted with the contract's id, derives a
	// contract's HPKE key pair from its cluster's key
	// (enclave/internal/derive).
	KeysContract = "phalanx/keys: contract v1 %x"
	// KeysSeed, formatted with the contract's id and a command's
	// sequence number, derives the command's random seed
	// (enclave/internal/derive).
	KeysSeed = "phalanx/keys: seed v1 %x %d"
	// EnclaveKeys is the additional data the enclave's own keys are
	// sealed with (enclave).
	EnclaveKeys = "phalanx/enclave: keys v1"
	// EnclaveSeal, followed by a name ("checkpoint", "secrets", "data
	// key ..."), is the additional data of what an enclave seals for its
	// host to keep (enclave: the checkpoint, the secrets, the data key).
	EnclaveSeal = "phalanx/enclave: "
	// KeysSealingRootKey, followed by the length-prefixed platform name,
	// measurement and machine id, derives an enclave's sealing root from
	// the master key (enclave/internal/derive).
	KeysSealingRootKey = "phalanx/keys: sealing root key v1\x00"
	// EnclaveWrappedRoot, followed by the epoch's 4 bytes, is the
	// additional data an enclave's disk key is sealed with under the
	// sealing root of that epoch (enclave).
	EnclaveWrappedRoot = "phalanx/enclave: wrapped disk key v1 "
	// SealedDBMACKey derives the key that hides the sealed store's keys
	// (enclave/internal/sealeddb).
	SealedDBMACKey = "phalanx/sealeddb: mac key"
	// SealedDBValueKey derives the key that seals the sealed store's
	// values (enclave/internal/sealeddb).
	SealedDBValueKey = "phalanx/sealeddb: value key"
)

// Tags.
const (
	// KeyringExport marks the plaintext of an exported key
	// (crypto/keyring), so that an import refuses other age-encrypted
	// data.
	KeyringExport = "phalanx/ed25519-seed"
)
