package worker

import (
	"log/slog"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/tee/pcs"
)

// Config configures a host: a worker (New) or a gatekeeper's key
// manager (NewKeyManager), whose Operator is the gatekeeper's validator
// account and which serves no queries.
type Config struct {
	// Home holds the sealed keys and the sealed checkpoint.
	Home string
	// Nodes are the RPC addresses of gatekeepers or full nodes. The worker
	// trusts none of them: headers and state are verified. The first that
	// answers is the primary, which the worker reads from and sends its
	// transactions to; it fails over to the next when the primary fails
	// or stalls (see StallAfter). The others are witnesses: the light
	// client cross-checks each round's last header with them.
	Nodes []string
	// NodeTimeout bounds one request to a node (default
	// DefaultNodeTimeout); StallAfter is how long the primary may stay at
	// one height while another node is higher (default DefaultStallAfter).
	NodeTimeout, StallAfter time.Duration
	// RPC overrides Nodes with a ready client (tests, in-process devnets);
	// it has no witnesses.
	RPC rpcclient.Client
	// Operator pays the worker's transactions and is bound in its
	// attestation as its operator. It stays in the host part: it moves
	// the operator's funds, not the enclave's secrets.
	Operator crypto.PrivateKey
	// Platform names the TEE the enclave opens (enclave.Open), with
	// TEE's options (TEE.Dir defaults to Home, TEE.Log to Log).
	Platform string
	TEE      tee.Options
	// Genesis is the chain's genesis: the root of trust for a worker with
	// no checkpoint. Nil fetches it from the node (trust on first use).
	Genesis *types.GenesisDoc
	// TrustedHeight and TrustedHash, when set, replace the genesis as the
	// root of trust for a worker with no checkpoint: a chain older than
	// the light client's trusting period cannot be followed from genesis.
	TrustedHeight int64
	TrustedHash   []byte
	// Poll is how often the worker looks for new blocks (default 250 ms).
	Poll time.Duration
	Log  *slog.Logger
	// QueryAddr is where the worker serves its query API (worker/api),
	// e.g. "127.0.0.1:26680"; empty serves none.
	QueryAddr string
	// Progress, if set, is told of each verified height while the worker
	// catches up with the chain (for a progress bar).
	Progress func(height, target int64)
	// Collateral, when set, is where the host fetches its scope's
	// collateral from (Intel PCS, AMD KDS, or a caching service): before
	// it sends evidence, it submits the vendor's newer collateral when the
	// chain stores none for the scope or its set expires within
	// registry.CollateralRenewal. Nil leaves collateral to the operator
	// (`phalanx tee collateral fetch --submit`).
	Collateral *pcs.Fetcher
	// BenchmarkSpan is how long the worker's CPU benchmark runs after it
	// registers (default 6 s); heartbeats measure for a sixth of it.
	BenchmarkSpan time.Duration
}

// withDefaults fills in what cfg leaves unset.
func (cfg Config) withDefaults() Config {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Poll == 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.NodeTimeout <= 0 {
		cfg.NodeTimeout = DefaultNodeTimeout
	}
	if cfg.StallAfter <= 0 {
		cfg.StallAfter = DefaultStallAfter
	}
	if cfg.TEE.Log == nil {
		cfg.TEE.Log = cfg.Log
	}
	if cfg.BenchmarkSpan == 0 {
		cfg.BenchmarkSpan = 6 * time.Second
	}
	return cfg
}

// Status is what a worker reports about itself.
type Status struct {
	Identity   crypto.PublicKey `json:"identity"`
	Operator   crypto.Address   `json:"operator"`
	Platform   string           `json:"platform"`
	Insecure   bool             `json:"insecure"`
	Warning    string           `json:"warning,omitempty"`
	ChainID    string           `json:"chain_id"`
	Height     int64            `json:"height"`
	Registered bool             `json:"registered"`
	Processed  uint64           `json:"processed_messages"`
}
