package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/node"
)

// InfoFile is the name of the file, in the devnet's home, that describes
// the running network to clients.
const InfoFile = "devnet.json"

// DevKeys are the prefunded development accounts, each granted DevGrant
// out of the testers' allocation.
var DevKeys = []string{"alice", "bob", "carol", "dave"}

// DevGrant is each development account's genesis balance.
var DevGrant = pha.Tokens(1_000_000)

// ValidatorGrant is each gatekeeper's validator account's genesis balance,
// for the fees of registering its enclave: what `genesis new` grants too.
// A devnet grants it SelfBond beside, bonded at genesis.
var ValidatorGrant = node.DefaultValidatorGrant

// SelfBond is what each devnet gatekeeper bonds of its own at genesis
// (the default min_self_bond), and Nomination what alice nominates gk0
// with: stake that votes, so that a proposal on a devnet passes with
// alice's vote alone (her stake is above the quorum and every
// gatekeeper's).
var (
	SelfBond   = pha.Tokens(10_000)
	Nomination = pha.Tokens(100_000)
)

// DefaultBasePort is gk0's P2P port in a new devnet, so that its RPC is
// CometBFT's usual 26657.
const DefaultBasePort = 26656

// ErrBasePort is returned when a devnet is resumed with another base port
// than the one it was created with.
var ErrBasePort = errors.New("the devnet listens on other ports")

// AllocationKeys hold the seed's allocation in a devnet (in a public
// network these are the holders' own addresses).
var AllocationKeys = []string{"private-sale", "developers", "airdrop", "testers"}

// Config configures a devnet.
type Config struct {
	// Home is the devnet's directory.
	Home string
	// Gatekeepers is the number of validators for a new devnet (default 4).
	// A resumed devnet keeps the number it was made with.
	Gatekeepers int
	// BasePort is gk0's P2P port; gatekeeper i listens for P2P on
	// BasePort+10i and for RPC on BasePort+10i+1, worker i serves
	// queries on BasePort+10i+5, and gk0's dashboard is on BasePort+8.
	// Zero means DefaultBasePort for a new devnet and, for a resumed one,
	// the port it was created with; another port than that is refused
	// (ErrBasePort), since the gatekeepers' ports are in their config.
	BasePort int
	// BlockTime is CometBFT's commit timeout (default 500ms), so a block
	// comes at least every second.
	BlockTime time.Duration
	// ChainID of a new devnet (default "phalanx-devnet").
	ChainID string
	// Log receives the network's logs. gk0's application logs come at the
	// level of the handler; the other gatekeepers log warnings and errors
	// only, so a person can follow one line per block.
	Log *slog.Logger
	// CometLogLevel filters CometBFT's own logs (nil: errors only).
	CometLogLevel slog.Leveler
	// Tune, when set, adjusts each node's CometBFT config (benchmarks use
	// it for the mempool).
	Tune func(*cmtcfg.Config)
	// ExtraAccounts are funded at genesis out of the testers' allocation,
	// beside the development keys (benchmarks use them). Not in the keyring.
	ExtraAccounts []bank.GenesisAccount
	// Tree tunes each gatekeeper's state store; zero means the defaults.
	Tree statedb.Options
	// ABCI, when set, gives each gatekeeper this application instead of
	// Phalanx's (the benchmark's bare engine).
	ABCI func(i int) abci.Application
	// Workers is the number of sim workers to run in the same process;
	// each is registered before Start returns.
	Workers int
	// Contracts are deployed, on a new devnet, to the cluster of all the
	// workers that every devnet with workers has (cluster 0); devnet.json
	// lists both.
	Contracts []Contract
	// Computing replaces the economics' parameters of a new devnet
	// (default: ComputingParams).
	Computing *computing.Params
	// ContractsParams replaces the contracts module's parameters of a
	// new devnet (default: contracts.DefaultParams); tests shorten the
	// result timeout with it.
	ContractsParams *contracts.Params
	// Registry, when set, adjusts the registry's parameters of a new
	// devnet; tests shorten registration_ttl with it.
	Registry func(*registry.Params)
	// Staking replaces the staking module's parameters of a new devnet
	// (default: staking.DefaultParams); tests shorten the epoch with it.
	Staking *staking.Params
	// NoGenesisStake leaves out the genesis bonds and nomination
	// (SelfBond, Nomination): the gatekeepers start with no stake.
	NoGenesisStake bool
	// Gov replaces governance's parameters of a new devnet (default:
	// GovParams).
	Gov *gov.Params
	// WorkerBuild, when set, is the sim enclave build whose measurement
	// worker i's enclave has (tee.SimMeasurement; default the running
	// enclave.Version). A new devnet's allowlist holds every worker's, so
	// the council can drop one build's alone.
	WorkerBuild func(i int) uint32
	// FreePorts makes a new devnet on free ports of its own choosing
	// (BasePort must be zero): should another process take one of them
	// between the choice and the node binding it, Start removes what it
	// made and makes the devnet again on other ports (see PortAttempts).
	// A resumed devnet keeps its ports.
	FreePorts bool

	// pickBase chooses the base port of a FreePorts attempt (default
	// FreeBasePort); tests stage a clash with it.
	pickBase func(n int) (int, error)
}

// PortAttempts is how many times Start makes a FreePorts devnet before it
// gives up on finding ports no other process takes.
const PortAttempts = 5

func (d *Devnet) contractsGenesis() contracts.Genesis {
	if d.cfg.ContractsParams != nil {
		return contracts.Genesis{Params: *d.cfg.ContractsParams}
	}
	return contracts.DefaultGenesis()
}

func (c *Config) setDefaults() {
	if c.Gatekeepers == 0 {
		c.Gatekeepers = 4
	}
	if c.BlockTime == 0 {
		c.BlockTime = 500 * time.Millisecond
	}
	if c.ChainID == "" {
		c.ChainID = "phalanx-devnet"
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.CometLogLevel == nil {
		c.CometLogLevel = slog.LevelError
	}
}

// Info describes a running devnet; it is written to devnet.json.
type Info struct {
	ChainID     string           `json:"chain_id"`
	Home        string           `json:"home"`
	Gatekeepers []GatekeeperInfo `json:"gatekeepers"`
	Keys        []keyring.Key    `json:"keys"`
	Workers     []WorkerInfo     `json:"workers"`
	// Clusters and Contracts are what the devnet deployed: a cluster of
	// its workers (cluster 0), running the contracts of Config.
	Clusters  []ClusterInfo  `json:"clusters"`
	Contracts []ContractInfo `json:"contracts"`
	// Dashboard is the URL of gk0's dashboard and explorer.
	Dashboard string `json:"dashboard,omitempty"`
	// Metrics is the URL of gk0's Prometheus metrics.
	Metrics string `json:"metrics,omitempty"`
}

// ClusterInfo describes a devnet cluster.
type ClusterInfo struct {
	ID      uint64             `json:"id"`
	Workers []crypto.PublicKey `json:"workers"`
}

// ContractInfo names a deployed contract.
type ContractInfo struct {
	Name    string         `json:"name"`
	ID      contracts.Hash `json:"id"`
	Cluster uint64         `json:"cluster"`
}

// WorkerInfo describes a devnet worker.
type WorkerInfo struct {
	Name     string           `json:"name"`
	ID       crypto.PublicKey `json:"id"`
	Operator crypto.Address   `json:"operator"`
	Platform string           `json:"platform"`
	Home     string           `json:"home"`
	// Warning is the sim platform's warning: a devnet worker protects
	// nothing.
	Warning string `json:"warning,omitempty"`
	// Query is the base URL of the worker's query API.
	Query string `json:"query"`
}

// GatekeeperInfo tells where a gatekeeper listens.
type GatekeeperInfo struct {
	Name string `json:"name"`
	// Enclave is the identity of the gatekeeper's (sim) enclave.
	Enclave crypto.PublicKey `json:"enclave"`
	RPC     string           `json:"rpc"`
	P2P     string           `json:"p2p"`
	NodeID  string           `json:"node_id"`
	Home    string           `json:"home"`
}

// ReadInfo reads home/devnet.json.
func ReadInfo(home string) (Info, error) {
	var info Info
	raw, err := os.ReadFile(filepath.Join(home, InfoFile))
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		return info, fmt.Errorf("%s: %w", filepath.Join(home, InfoFile), err)
	}
	return info, nil
}

// Devnet is a running local network.
type Devnet struct {
	cfg   Config
	info  Info
	sigs  *tx.SigCache
	homes []string
	mu    sync.Mutex
	gks   []*node.Gatekeeper // nil while stopped; guarded by mu
	wks   []*runningWorker   // nil while stopped; guarded by mu
	// enclaves are the gatekeepers' enclave services, by gatekeeper; nil
	// while stopped. Guarded by mu.
	enclaves []*runningWorker
	// stopDashboard stops gk0's dashboard; nil while it is not served.
	stopDashboard func()
}

// Start creates the devnet in cfg.Home if there is none, or resumes the
// one there, starts every gatekeeper and waits for the first block (or the
// next block, when resuming). It then writes devnet.json.
func Start(ctx context.Context, cfg Config) (*Devnet, error) {
	cfg.setDefaults()
	home, err := filepath.Abs(cfg.Home)
	if err != nil {
		return nil, err
	}
	cfg.Home = home
	if cfg.FreePorts {
		if cfg.BasePort != 0 {
			return nil, fmt.Errorf("devnet: FreePorts chooses the base port; BasePort %d was given too", cfg.BasePort)
		}
		homes, err := existingHomes(home)
		if err != nil {
			return nil, err
		}
		if len(homes) == 0 {
			return startOnFreePorts(ctx, cfg)
		}
		cfg.FreePorts = false // resumed: its own ports
	}
	return start(ctx, cfg)
}

// startOnFreePorts makes a new devnet on ports that are free when it
// chooses them. The nodes bind their ports themselves, later; a port
// another process took meanwhile fails the start with "address already
// in use", and the devnet is made again, from nothing, on other ports.
func startOnFreePorts(ctx context.Context, cfg Config) (*Devnet, error) {
	pick := cfg.pickBase
	if pick == nil {
		pick = FreeBasePort
	}
	before, err := dirEntries(cfg.Home)
	if err != nil {
		return nil, err
	}
	var last error
	for attempt := 1; attempt <= PortAttempts; attempt++ {
		base, err := pick(max(cfg.Gatekeepers, cfg.Workers))
		if err != nil {
			return nil, err
		}
		try := cfg
		try.BasePort, try.FreePorts = base, false
		d, err := start(ctx, try)
		if err == nil {
			return d, nil
		}
		if !isAddrInUse(err) {
			return nil, err
		}
		last = err
		cfg.Log.Warn("a port of the new devnet was taken; making it again on other ports", "base_port", base, "attempt", attempt, "err", err)
		if err := removeNewEntries(cfg.Home, before); err != nil {
			return nil, fmt.Errorf("%w (after %v)", err, last)
		}
	}
	return nil, fmt.Errorf("devnet: %d attempts found no ports that stayed free: %w", PortAttempts, last)
}

// isAddrInUse reports whether err is a listener's "address already in
// use". CometBFT's RPC server formats its listener's error into a string,
// so the text is checked as well as the errno.
func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use")
}

// dirEntries returns the names in dir (none if it does not exist).
func dirEntries(dir string) (map[string]bool, error) {
	es, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(es))
	for _, e := range es {
		names[e.Name()] = true
	}
	return names, nil
}

// removeNewEntries removes what a failed start made in dir: every entry
// that is not in before.
func removeNewEntries(dir string, before map[string]bool) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range es {
		if !before[e.Name()] {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("remove the failed devnet's %s: %w", e.Name(), err)
			}
		}
	}
	return nil
}

// start creates or resumes the devnet of cfg, whose defaults are set.
func start(ctx context.Context, cfg Config) (*Devnet, error) {
	home := cfg.Home
	d := &Devnet{cfg: cfg, sigs: tx.SharedSigCache()}
	homes, err := existingHomes(home)
	if err != nil {
		return nil, err
	}
	if len(homes) == 0 {
		if d.cfg.BasePort == 0 {
			d.cfg.BasePort = DefaultBasePort
		}
		cfg.Log.Info("creating a new devnet", "home", home, "gatekeepers", cfg.Gatekeepers, "chain_id", cfg.ChainID)
		if homes, err = d.create(); err != nil {
			return nil, fmt.Errorf("create devnet in %s: %w", home, err)
		}
	} else {
		// The gatekeepers' ports are in their config.toml and in each
		// other's peers: a devnet keeps the ports it was made with.
		created, err := createdBasePort(homes[0])
		if err != nil {
			return nil, err
		}
		if d.cfg.BasePort != 0 && d.cfg.BasePort != created {
			return nil, fmt.Errorf("%w: the devnet in %s was created with --base-port %d; start it with that port (or without --base-port), or remove %s to create one on %d",
				ErrBasePort, home, created, home, d.cfg.BasePort)
		}
		d.cfg.BasePort = created
		cfg.Log.Info("resuming the devnet", "home", home, "gatekeepers", len(homes), "base_port", created)
	}
	d.homes = homes
	d.gks = make([]*node.Gatekeeper, len(homes))
	d.enclaves = make([]*runningWorker, len(homes))
	if err := d.loadInfo(); err != nil {
		return nil, err
	}
	for i := range homes {
		if err := d.StartGatekeeper(ctx, i); err != nil {
			d.Stop()
			return nil, err
		}
	}
	start := d.Gatekeeper(0).Height()
	if err := d.WaitHeight(ctx, start+1); err != nil {
		d.Stop()
		return nil, fmt.Errorf("waiting for the first block: %w", err)
	}
	if cfg.ABCI == nil {
		if err := d.waitGatekeeperEnclaves(ctx); err != nil {
			d.Stop()
			return nil, err
		}
	}
	d.wks = make([]*runningWorker, cfg.Workers)
	d.info.Workers = make([]WorkerInfo, cfg.Workers)
	for i := range cfg.Workers {
		if err := d.StartWorker(ctx, i); err != nil {
			d.Stop()
			return nil, err
		}
	}
	if err := d.WaitWorkersRegistered(ctx); err != nil {
		d.Stop()
		return nil, err
	}
	if err := d.startComputing(ctx); err != nil {
		d.Stop()
		return nil, err
	}
	if err := d.deploy(ctx); err != nil {
		d.Stop()
		return nil, err
	}
	if err := d.writeInfo(); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}

func gkName(i int) string { return fmt.Sprintf("gk%d", i) }

// createdBasePort returns the base port of the devnet whose gk0 has its
// home in gk0: gk0's P2P port.
func createdBasePort(gk0 string) (int, error) {
	c, err := node.LoadConfig(gk0)
	if err != nil {
		return 0, err
	}
	_, port, err := net.SplitHostPort(strings.TrimPrefix(c.P2P.ListenAddress, "tcp://"))
	if err != nil {
		return 0, fmt.Errorf("%s: p2p laddr %q: %w", gk0, c.P2P.ListenAddress, err)
	}
	return strconv.Atoi(port)
}

func existingHomes(home string) ([]string, error) {
	var homes []string
	for i := 0; ; i++ {
		h := filepath.Join(home, "gatekeepers", gkName(i))
		if _, err := os.Stat(filepath.Join(h, "config", "genesis.json")); errors.Is(err, os.ErrNotExist) {
			return homes, nil
		} else if err != nil {
			return nil, err
		}
		homes = append(homes, h)
	}
}

// create makes the keys, the node homes and the genesis of a new devnet.
func (d *Devnet) create() ([]string, error) {
	cfg := d.cfg
	if cfg.Gatekeepers < 1 || cfg.Gatekeepers > 32 {
		return nil, fmt.Errorf("gatekeepers must be 1 to 32, not %d", cfg.Gatekeepers)
	}
	kr, err := keyring.Open(cfg.Home, keyring.BackendTest, nil)
	if err != nil {
		return nil, err
	}
	addr := map[string]crypto.Address{}
	for _, name := range slices.Concat(AllocationKeys, DevKeys) {
		k, err := kr.Get(name)
		if errors.Is(err, keyring.ErrNotFound) {
			k, err = kr.Add(name)
		}
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", name, err)
		}
		addr[name] = k.Address
	}
	homes := make([]string, cfg.Gatekeepers)
	vals := make([]node.Validator, cfg.Gatekeepers)
	for i := range homes {
		homes[i] = filepath.Join(cfg.Home, "gatekeepers", gkName(i))
		id, err := node.Init(homes[i], node.InitOptions{Moniker: gkName(i), Config: d.nodeConfig(homes[i], i, nil)})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", gkName(i), err)
		}
		vals[i] = node.Validator{Identity: id, Power: 10}
	}
	var grants []bank.GenesisAccount
	for _, name := range DevKeys {
		grants = append(grants, bank.GenesisAccount{Name: name, Address: addr[name], Amount: DevGrant})
	}
	// Each validator account pays for registering its gatekeeper's enclave.
	vgrant, _ := ValidatorGrant.Add(SelfBond)
	vgrants, err := node.ValidatorGrants(vals, vgrant)
	if err != nil {
		return nil, err
	}
	grants = append(grants, vgrants...)
	grants = append(grants, cfg.ExtraAccounts...)
	bg, err := bank.SeedGenesis(bank.Allocation{
		PrivateSale: addr["private-sale"], Developers: addr["developers"], Airdrop: addr["airdrop"], Testers: addr["testers"],
	}, grants)
	if err != nil {
		return nil, err
	}
	reg, err := d.registryGenesis(addr["developers"])
	if err != nil {
		return nil, err
	}
	sg, err := d.stakingGenesis(vals, addr["alice"])
	if err != nil {
		return nil, err
	}
	gen, err := node.NewGenesis(cfg.ChainID, time.Now(), vals, auth.DefaultGenesis(), bg, reg,
		computing.Genesis{Params: d.computingParams()}, d.contractsGenesis(), sg, gov.Genesis{Params: d.govParams()})
	if err != nil {
		return nil, err
	}
	peers := make([]string, len(homes))
	for i, v := range vals {
		peers[i] = node.P2PAddress(v.NodeID, fmt.Sprintf("127.0.0.1:%d", d.p2pPort(i)))
	}
	for i, h := range homes {
		c := d.nodeConfig(h, i, peers)
		cmtcfg.WriteConfigFile(filepath.Join(h, "config", "config.toml"), c)
		if err := gen.SaveAs(c.GenesisFile()); err != nil {
			return nil, fmt.Errorf("write genesis: %w", err)
		}
	}
	return homes, nil
}

func (d *Devnet) p2pPort(i int) int { return d.cfg.BasePort + 10*i }
func (d *Devnet) rpcPort(i int) int { return d.cfg.BasePort + 10*i + 1 }

// queryPortOffset places worker i's query API at BasePort+10i+5.
const queryPortOffset = 5

func (d *Devnet) queryPort(i int) int { return d.cfg.BasePort + 10*i + queryPortOffset }

// dashboardPortOffset places gk0's dashboard at BasePort+8, and
// metricsPortOffset gatekeeper i's Prometheus metrics at BasePort+10i+9.
const (
	dashboardPortOffset = 8
	metricsPortOffset   = 9
)

// metricsTaken is set once a node of this process serves the metrics.
var metricsTaken atomic.Bool

func (d *Devnet) dashboardPort() int { return d.cfg.BasePort + dashboardPortOffset }

// nodeConfig is gatekeeper i's CometBFT configuration: everything on
// 127.0.0.1, fast gossip, a short commit timeout, and peers listed by hand
// (no peer exchange).
//
// Gatekeeper i's persistent peers are the gatekeepers before it, which
// start before it and so listen when it dials them; the later ones dial
// it. Each pair is thus persistent on one side, which redials after a
// restart, and no node dials a peer that is not listening yet.
func (d *Devnet) nodeConfig(home string, i int, peers []string) *cmtcfg.Config {
	c := node.DefaultConfig(home)
	c.Moniker = gkName(i)
	c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", d.p2pPort(i))
	c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", d.rpcPort(i))
	c.P2P.AllowDuplicateIP = true
	c.P2P.AddrBookStrict = false
	c.P2P.PexReactor = false
	c.P2P.PersistentPeers = strings.Join(peers[:min(i, len(peers))], ",")
	c.Consensus.TimeoutCommit = d.cfg.BlockTime
	c.Instrumentation.PrometheusListenAddr = fmt.Sprintf("127.0.0.1:%d", d.cfg.BasePort+10*i+metricsPortOffset)
	// CometBFT's default propose timeout (3 s) is kept: under load the
	// four nodes share two cores, and a shorter one turns slow proposals
	// into extra rounds.
	c.Consensus.PeerGossipSleepDuration = 10 * time.Millisecond
	// Shorter than the 2 s default so that a stopping node's peer
	// routines end, and its databases close, sooner.
	c.Consensus.PeerQueryMaj23SleepDuration = 500 * time.Millisecond
	if d.cfg.Tune != nil {
		d.cfg.Tune(c)
	}
	return c
}

func (d *Devnet) loadInfo() error {
	kr, err := keyring.Open(d.cfg.Home, keyring.BackendTest, nil)
	if err != nil {
		return err
	}
	keys, err := kr.List()
	if err != nil {
		return err
	}
	gen, err := node.LoadGenesis(filepath.Join(d.homes[0], "config", "genesis.json"))
	if err != nil {
		return fmt.Errorf("%w\n(was this devnet made by an older version of phalanx? remove %s to start a fresh one)", err, d.cfg.Home)
	}
	d.info = Info{ChainID: gen.ChainID, Home: d.cfg.Home, Keys: keys}
	if old, err := ReadInfo(d.cfg.Home); err == nil && old.ChainID == gen.ChainID {
		// What was deployed stays deployed.
		d.info.Clusters, d.info.Contracts = old.Clusters, old.Contracts
	}
	for i, h := range d.homes {
		c, err := node.LoadConfig(h)
		if err != nil {
			return err
		}
		id, err := node.NodeID(c)
		if err != nil {
			return err
		}
		d.info.Gatekeepers = append(d.info.Gatekeepers, GatekeeperInfo{
			Name: gkName(i), RPC: node.HTTPURL(c.RPC.ListenAddress), P2P: c.P2P.ListenAddress, NodeID: id, Home: h,
		})
	}
	return nil
}

func (d *Devnet) writeInfo() error {
	raw, err := json.MarshalIndent(d.info, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(d.cfg.Home, InfoFile+".tmp")
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.cfg.Home, InfoFile))
}

// Info returns the devnet's description.
func (d *Devnet) Info() Info { return d.info }

// Size returns the number of gatekeepers.
func (d *Devnet) Size() int { return len(d.homes) }

// Gatekeeper returns gatekeeper i, or nil while it is stopped.
func (d *Devnet) Gatekeeper(i int) *node.Gatekeeper {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gks[i]
}

// StartGatekeeper starts gatekeeper i (again).
func (d *Devnet) StartGatekeeper(ctx context.Context, i int) error {
	if d.Gatekeeper(i) != nil {
		return fmt.Errorf("%s is already running", gkName(i))
	}
	log := d.cfg.Log.With("node", gkName(i))
	if i > 0 {
		log = slog.New(node.FilterLevel(log.Handler(), slog.LevelWarn))
	}
	// The first gatekeeper of the process serves Prometheus metrics:
	// CometBFT's share the default registry, so only one node may.
	metrics := i == 0 && d.cfg.ABCI == nil && !metricsTaken.Swap(true)
	opts := node.Options{Home: d.homes[i], Log: log, CometLogLevel: d.cfg.CometLogLevel.Level(), SigCache: d.sigs, Tree: d.cfg.Tree, Metrics: metrics}
	if d.cfg.ABCI != nil {
		opts.ABCI = d.cfg.ABCI(i)
	}
	g, err := node.New(ctx, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", gkName(i), err)
	}
	if err := g.Start(); err != nil {
		return fmt.Errorf("%s: %w", gkName(i), err)
	}
	d.mu.Lock()
	d.gks[i] = g
	if metrics {
		d.info.Metrics = "http://" + g.Config().Instrumentation.PrometheusListenAddr + "/metrics"
	}
	d.mu.Unlock()
	if d.cfg.ABCI == nil {
		if err := d.startEnclave(ctx, i, g, log); err != nil {
			return err
		}
		if i == 0 {
			url, stop, err := g.ServeDashboard(fmt.Sprintf("127.0.0.1:%d", d.dashboardPort()))
			if err != nil {
				return err
			}
			d.mu.Lock()
			d.info.Dashboard, d.stopDashboard = url, stop
			d.mu.Unlock()
		}
	}
	return nil
}

// StopGatekeeper stops gatekeeper i; the others go on while at least two
// thirds of the voting power runs.
func (d *Devnet) StopGatekeeper(i int) error {
	d.stopServices(i)
	d.mu.Lock()
	g := d.gks[i]
	d.gks[i] = nil
	d.mu.Unlock()
	if g == nil {
		return nil
	}
	return g.Stop()
}

// stopServices stops what runs on gatekeeper i's node: its enclave
// service and, for gk0, the dashboard.
func (d *Devnet) stopServices(i int) {
	d.mu.Lock()
	e := d.enclaves[i]
	d.enclaves[i] = nil
	var stopDash func()
	if i == 0 {
		stopDash, d.stopDashboard = d.stopDashboard, nil
	}
	d.mu.Unlock()
	if stopDash != nil {
		stopDash()
	}
	if e != nil {
		e.cancel()
		<-e.done
	}
}

// Stop stops every worker, then every gatekeeper. The gatekeepers' nodes
// stop from the last to the first: each dials only those before it (see
// nodeConfig), so no running node dials one that has stopped. Their
// databases, which close a moment after their node, close all at once.
func (d *Devnet) Stop() error {
	for i := range d.wks {
		d.StopWorker(i)
	}
	for i := len(d.gks) - 1; i >= 0; i-- {
		d.stopServices(i)
		if g := d.Gatekeeper(i); g != nil {
			if err := g.StopNode(); err != nil {
				d.cfg.Log.Warn("stopping a gatekeeper's node", "node", gkName(i), "err", err)
			}
		}
	}
	errs := make([]error, len(d.gks))
	var wg sync.WaitGroup
	for i := range d.gks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.StopGatekeeper(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// WaitHeight waits until every running gatekeeper has committed height h.
func (d *Devnet) WaitHeight(ctx context.Context, h int64) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		done := true
		for i := range d.gks {
			if g := d.Gatekeeper(i); g != nil && g.Height() < h {
				done = false
			}
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// FreeBasePort returns a base port such that the ports of n slots (the
// P2P and RPC ports of gatekeeper i and the query port of worker i) are
// free now (tests and benchmarks run beside a devnet). Pass the larger of
// the numbers of gatekeepers and workers.
//
// Free now is all it promises: another process may bind one of the ports
// before the node does. A devnet of this process should rather be started
// with Config.FreePorts, which makes it again on other ports when that
// happens.
func FreeBasePort(n int) (int, error) {
	for range 100 {
		base := 20000 + 10*rand.IntN(3000)
		free := true
		for i := 0; i < n && free; i++ {
			for _, p := range []int{base + 10*i, base + 10*i + 1, base + 10*i + queryPortOffset, base + 10*i + dashboardPortOffset, base + 10*i + metricsPortOffset} {
				l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
				if err != nil {
					free = false
					break
				}
				l.Close()
			}
		}
		if free {
			return base, nil
		}
	}
	return 0, errors.New("no free ports for the gatekeepers")
}
