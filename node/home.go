package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmtcrypto "github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/spf13/viper"
)

// ErrNoHome is returned when a directory is not an initialized node home.
var ErrNoHome = errors.New("not a node home (run phalanx init first)")

// DefaultConfig returns CometBFT's configuration with Phalanx's defaults:
// a one-second commit timeout (about one block a second), empty blocks so
// block time keeps moving for time-based rules, the kv transaction index
// (so transactions can be looked up by hash), Prometheus metrics on but
// served on the loopback interface only (DefaultMetricsAddr; an operator
// who scrapes from another host sets prometheus_listen_addr), and room
// for contract uploads: a compressed Go contract is about 1 MB, so
// transactions may be 2 MiB and RPC request bodies (base64 in JSON) 4 MB.
func DefaultConfig(home string) *cmtcfg.Config {
	c := cmtcfg.DefaultConfig()
	c.SetRoot(home)
	c.Consensus.TimeoutCommit = time.Second
	c.Consensus.CreateEmptyBlocks = true
	c.TxIndex.Indexer = "kv"
	c.Instrumentation.Prometheus = true
	c.Instrumentation.PrometheusListenAddr = DefaultMetricsAddr
	c.Mempool.MaxTxBytes = MaxTxBytes
	c.RPC.MaxBodyBytes = 4_000_000
	return c
}

// DefaultMetricsAddr is where a gatekeeper serves Prometheus metrics
// unless its config.toml says otherwise: CometBFT's port, on loopback.
const DefaultMetricsAddr = "127.0.0.1:26660"

// MaxTxBytes is the largest transaction the node's mempool takes, as the
// chain's own limit (auth.Params.MaxTxBytes) allows by default.
const MaxTxBytes = 2 << 20

// InitOptions configure a new node home.
type InitOptions struct {
	Moniker string
	// Config is written as config/config.toml; nil means DefaultConfig.
	Config *cmtcfg.Config
	// App is written as config/app.toml; nil means DefaultAppConfig.
	App *AppConfig
}

// Identity is what other nodes and the genesis need to know of a node.
type Identity struct {
	Moniker         string
	NodeID          string
	ValidatorPubKey cmtcrypto.PubKey
}

// Init creates a node home: config.toml, app.toml, a node key and a
// validator key (with its sign state). Existing keys are kept, so Init is
// safe to run twice; it never touches data/.
func Init(home string, opts InitOptions) (Identity, error) {
	c := opts.Config
	if c == nil {
		c = DefaultConfig(home)
	}
	c.SetRoot(home)
	if opts.Moniker != "" {
		c.Moniker = opts.Moniker
	}
	if err := c.ValidateBasic(); err != nil {
		return Identity{}, fmt.Errorf("node config: %w", err)
	}
	ac := DefaultAppConfig()
	if opts.App != nil {
		ac = *opts.App
	}
	if err := ac.Validate(); err != nil {
		return Identity{}, err
	}
	for _, d := range []string{filepath.Join(home, "config"), filepath.Join(home, "data")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return Identity{}, fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := WriteAppConfig(home, ac); err != nil {
		return Identity{}, err
	}
	cmtcfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	nk, err := p2p.LoadOrGenNodeKey(c.NodeKeyFile())
	if err != nil {
		return Identity{}, fmt.Errorf("node key: %w", err)
	}
	if err := checkPVFiles(c, true); err != nil {
		return Identity{}, err
	}
	pv, err := privval.LoadOrGenFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile(),
		func() (cmtcrypto.PrivKey, error) { return ed25519.GenPrivKey(), nil })
	if err != nil {
		return Identity{}, fmt.Errorf("validator key: %w", err)
	}
	return Identity{Moniker: c.Moniker, NodeID: string(nk.ID()), ValidatorPubKey: pv.Key.PubKey}, nil
}

// LoadConfig reads home/config/config.toml the way CometBFT's own command
// does (viper), over Phalanx's defaults.
func LoadConfig(home string) (*cmtcfg.Config, error) {
	path := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoHome, home, err)
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	c := DefaultConfig(home)
	if err := v.Unmarshal(c); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	c.SetRoot(home)
	if err := c.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// checkPVFiles checks the validator key and state files before CometBFT's
// loader, which exits the process on a bad file instead of returning an
// error. With mayBeAbsent, a missing key file is fine (it will be made).
func checkPVFiles(c *cmtcfg.Config, mayBeAbsent bool) error {
	keyPath, statePath := c.PrivValidatorKeyFile(), c.PrivValidatorStateFile()
	raw, err := os.ReadFile(keyPath)
	if errors.Is(err, os.ErrNotExist) && mayBeAbsent {
		return nil
	}
	if err != nil {
		return fmt.Errorf("validator key: %w", err)
	}
	var k privval.FilePVKey
	if err := cmtjson.Unmarshal(raw, &k); err != nil {
		return fmt.Errorf("validator key %s: %w", keyPath, err)
	}
	raw, err = os.ReadFile(statePath)
	if errors.Is(err, os.ErrNotExist) {
		// Without its last-sign state a validator could sign twice at a
		// height it already signed: refuse rather than guess.
		return fmt.Errorf("validator sign state %s is missing; restore it from a backup (never start a validator without it)", statePath)
	}
	if err != nil {
		return fmt.Errorf("validator sign state: %w", err)
	}
	var s privval.FilePVLastSignState
	if err := cmtjson.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("validator sign state %s: %w", statePath, err)
	}
	return nil
}

// NodeID returns the node's p2p id from its node key.
func NodeID(c *cmtcfg.Config) (string, error) {
	nk, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return "", fmt.Errorf("node key: %w", err)
	}
	return string(nk.ID()), nil
}
