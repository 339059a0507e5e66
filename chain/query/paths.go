package query

// Paths of the application's ABCI queries. Each names one state key, so every answer can come with a
// proof; the value is the key's raw stored bytes (canonical CBOR), decoded
// by the client with the module's Decode function.
const (
	Store   = "/store"        // data: a raw state key
	Account = "/auth/account" // data: a 20-byte address
	Params  = "/auth/params"
	Balance = "/bank/balance" // data: a 20-byte address
	Supply  = "/bank/supply"
	Vesting = "/bank/vesting" // data: a 20-byte address; absent when nothing vests
	ChainID = "/app/chain_id"

	RegistryParams = "/registry/params"
	Worker         = "/registry/worker"     // data: a 32-byte identity key
	Gatekeeper     = "/registry/gatekeeper" // data: a 32-byte identity key

	// Workers lists every worker record (a CBOR array of
	// registry.Enclave). A list has no single-key proof: a client that
	// needs one proves each record with Worker.
	Workers = "/registry/workers"
	// Gatekeepers lists every gatekeeper enclave record, likewise.
	Gatekeepers = "/registry/gatekeepers"
	// Collateral is the vendor collateral the chain stores for a scope
	// (registry.Collateral).
	Collateral = "/registry/collateral" // data: a scope, tdx/fmspc/<FMSPC> or sevsnp/<product line>
	// Collaterals lists every stored collateral set, without proof.
	Collaterals = "/registry/collaterals"

	StakingParams = "/staking/params"
	Candidate     = "/staking/candidate"   // data: a 20-byte operator address
	Candidates    = "/staking/candidates"  // every candidate, without proof
	Nomination    = "/staking/nomination"  // data: a candidate's address and a nominator's, 20 bytes each
	Nominations   = "/staking/nominations" // every nomination, without proof
	Unbondings    = "/staking/unbondings"  // the unbonding queue, in completion order, without proof
	// ActiveValidators is the active set the last election chose (the
	// genesis validators before any), without proof.
	ActiveValidators = "/staking/active"

	KeysStatus = "/keys/status"
	Master     = "/keys/master" // data: a 4-byte big-endian epoch

	ContractsParams = "/contracts/params"
	Cluster         = "/contracts/cluster"  // data: an 8-byte big-endian cluster id
	Code            = "/contracts/code"     // data: a 32-byte code hash
	Contract        = "/contracts/contract" // data: a 32-byte contract id
	Command         = "/contracts/command"  // data: cluster id and sequence, 8 bytes each
	Result          = "/contracts/result"   // data: cluster id and sequence, 8 bytes each
	ComputingParams = "/computing/params"
	ComputingTotals = "/computing/totals"
	ComputingWorker = "/computing/worker" // data: a 32-byte worker identity
	// ComputingWorkers lists every computing record, without proof.
	ComputingWorkers = "/computing/workers"

	Pool       = "/stakepool/pool"       // data: an 8-byte big-endian pool id
	Delegation = "/stakepool/delegation" // data: pool id (8 bytes) and a 20-byte address
	// Pools lists every pool, without proof.
	Pools = "/stakepool/pools"

	GovParams = "/gov/params"
	Proposal  = "/gov/proposal" // data: an 8-byte big-endian proposal id
	// Proposals lists every proposal, in id order; Votes and Deposits
	// those of the open proposals (a decided one keeps their sums only),
	// without proof.
	Proposals = "/gov/proposals"
	Votes     = "/gov/votes"
	Deposits  = "/gov/deposits"
	// Upgrade is the software upgrade governance planned, absent when
	// none is.
	Upgrade = "/gov/upgrade"

	// Clusters and Contracts list records, without proof.
	Clusters  = "/contracts/clusters"
	Contracts = "/contracts/contracts"
)
