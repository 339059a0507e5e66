package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/phalanx-net/phalanx/chain/app"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/node"
	"github.com/phalanx-net/phalanx/tee"
)

type identityOut struct {
	Moniker         string `json:"moniker"`
	NodeID          string `json:"node_id"`
	ValidatorPubKey string `json:"validator_pubkey"`
	// ValidatorAccount pays the gatekeeper enclave's registration and
	// messages: genesis new funds it, or the operator does.
	ValidatorAccount crypto.Address `json:"validator_account"`
	P2PListen        string         `json:"p2p_listen"`
	RPCListen        string         `json:"rpc_listen"`
	MetricsListen    string         `json:"metrics_listen"`
	Home             string         `json:"home"`
}

func newInitCmd(c *cli) *cobra.Command {
	var moniker, p2p, rpc, metricsAddr, peers string
	disk := node.DefaultAppConfig()
	var ss stateSyncFlags
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a gatekeeper's home: config, node key and validator key",
		Long: `Creates the home of one gatekeeper node that runs on its own machine:
config/config.toml, the node key (its p2p identity) and the validator key
(which signs blocks; back it up, with data/priv_validator_state.json, and
never run two nodes with one key). It prints what the others need: the
node id (for their peers), the validator public key (for the genesis) and
the validator account, which pays for the gatekeeper enclave's registration
and messages (` + "`phalanx genesis new`" + ` funds it). Then start the node with
` + "`phalanx node start`" + `.

How much history the node keeps is in config/app.toml (--min-retain-blocks,
--state-keep-recent, --snapshot-interval); a node that joins a running chain
can start from a state sync snapshot instead of replaying every block: give
--state-sync-rpc (two RPC servers of the chain) and a trusted height and its
block hash (--state-sync-trust-height, --state-sync-trust-hash), taken from a
source you trust.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(filepath.Join(c.home, devnet.InfoFile)); err == nil {
				return fmt.Errorf("%s holds a devnet; give the node another --home", c.home)
			}
			cfg := node.DefaultConfig(c.home)
			cfg.P2P.ListenAddress = p2p
			cfg.RPC.ListenAddress = rpc
			cfg.P2P.PersistentPeers = peers
			cfg.Instrumentation.PrometheusListenAddr = metricsAddr
			if err := ss.apply(cfg); err != nil {
				return err
			}
			if moniker == "" {
				moniker, _ = os.Hostname()
			}
			id, err := node.Init(c.home, node.InitOptions{Moniker: moniker, Config: cfg, App: &disk})
			if err != nil {
				return err
			}
			account, err := id.ValidatorAccount()
			if err != nil {
				return err
			}
			out := identityOut{Moniker: id.Moniker, NodeID: id.NodeID, ValidatorPubKey: base64.StdEncoding.EncodeToString(id.ValidatorPubKey.Bytes()),
				ValidatorAccount: account, P2PListen: p2p, RPCListen: rpc, MetricsListen: metricsAddr, Home: c.home}
			return c.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Initialized gatekeeper %q in %s\n", out.Moniker, c.home)
				fmt.Fprintf(w, "  node id            %s\n  validator pubkey   %s\n  validator account  %s\n", out.NodeID, out.ValidatorPubKey, out.ValidatorAccount)
				fmt.Fprintf(w, "  p2p listen         %s\n  rpc listen         %s\n  metrics listen     %s\n", p2p, rpc, metricsAddr)
				fmt.Fprintf(w, "Give the validator pubkey to whoever builds the genesis (phalanx genesis new --validator %s=%s);\n", out.Moniker, out.ValidatorPubKey)
				fmt.Fprintf(w, "it grants the validator account %s for the enclave's registration and messages\n", node.DefaultValidatorGrant.PHA())
				fmt.Fprintf(w, "(on a chain already running, send the validator account PHA before node start --enclave).\n")
				fmt.Fprintf(w, "Give %s@<this host's address>:<p2p port> to the other gatekeepers as a peer.\n", out.NodeID)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&moniker, "moniker", "", "the node's name (default: the host name)")
	f.StringVar(&p2p, "p2p-laddr", "tcp://0.0.0.0:26656", "P2P listen address")
	f.StringVar(&rpc, "rpc-laddr", "tcp://127.0.0.1:26657", "RPC listen address (use tcp://0.0.0.0:26657 to serve clients on other hosts)")
	f.StringVar(&metricsAddr, "metrics-laddr", node.DefaultMetricsAddr, "where to serve Prometheus metrics (host:port; loopback by default, so only this host can scrape them)")
	f.StringVar(&peers, "peers", "", "persistent peers: id@host:port,... (can be set later in config.toml or with node start --peers)")
	f.Int64Var(&disk.MinRetainBlocks, "min-retain-blocks", disk.MinRetainBlocks, "blocks kept at least, older ones pruned (0 keeps every block); app.toml's min_retain_blocks")
	f.Int64Var(&disk.StateKeepRecent, "state-keep-recent", disk.StateKeepRecent, "past state versions kept provable, for queries at old heights (0 keeps all); app.toml's state_keep_recent")
	f.Int64Var(&disk.SnapshotInterval, "snapshot-interval", disk.SnapshotInterval, "take a state sync snapshot every this many blocks (0: none); app.toml's snapshot_interval")
	f.IntVar(&disk.SnapshotKeepRecent, "snapshot-keep-recent", disk.SnapshotKeepRecent, "state sync snapshots kept and served; app.toml's snapshot_keep_recent")
	ss.register(f)
	return cmd
}

// stateSyncFlags turn on CometBFT's state sync for a new node.
type stateSyncFlags struct {
	rpc         []string
	trustHeight int64
	trustHash   string
	trustPeriod time.Duration
}

func (s *stateSyncFlags) register(f *pflag.FlagSet) {
	f.StringSliceVar(&s.rpc, "state-sync-rpc", nil, "join by state sync, verifying headers with the light client against these RPC servers (at least two, comma-separated; may be the same server twice)")
	f.Int64Var(&s.trustHeight, "state-sync-trust-height", 0, "a height of the chain you trust (with --state-sync-trust-hash)")
	f.StringVar(&s.trustHash, "state-sync-trust-hash", "", "the hash (hex) of the block at --state-sync-trust-height, from a source you trust")
	f.DurationVar(&s.trustPeriod, "state-sync-trust-period", 168*time.Hour, "how long a trusted header is trusted; shorter than the chain's unbonding time")
}

// apply writes the flags into CometBFT's [statesync] section. Without
// --state-sync-rpc state sync stays off.
func (s *stateSyncFlags) apply(cfg *cmtcfg.Config) error {
	if len(s.rpc) == 0 {
		if s.trustHeight != 0 || s.trustHash != "" {
			return errors.New("--state-sync-trust-height and --state-sync-trust-hash need --state-sync-rpc")
		}
		return nil
	}
	if len(s.rpc) < 2 {
		return errors.New("--state-sync-rpc needs at least two RPC servers (the light client checks one against the other; the same server twice is allowed)")
	}
	if s.trustHeight <= 0 {
		return errors.New("--state-sync-rpc needs --state-sync-trust-height, a height you trust")
	}
	if _, err := hex.DecodeString(s.trustHash); err != nil || len(s.trustHash) != 64 {
		return fmt.Errorf("--state-sync-trust-hash %q: want the block's 32-byte hash in hex", s.trustHash)
	}
	cfg.StateSync.Enable = true
	cfg.StateSync.RPCServers = s.rpc
	cfg.StateSync.TrustHeight = s.trustHeight
	cfg.StateSync.TrustHash = s.trustHash
	cfg.StateSync.TrustPeriod = s.trustPeriod
	return nil
}

func newGenesisCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "genesis",
		Short: "Build and check a genesis file for a multi-host network",
	}
	cmd.AddCommand(newGenesisNewCmd(c), newGenesisValidateCmd(c))
	return cmd
}

// genesisNew is genesis new's flags.
type genesisNew struct {
	chainID, out     string
	validators       []string
	grants           []string
	alloc            [4]string
	minGasPrice      uint64
	council          string
	measurements     []string
	allowSim         bool
	minWorkerVersion uint32
	validatorGrant   string
	validatorBond    string
	operators        []string
	stakingParams    string
	govParams        string
	noVesting        bool
}

// haltGrace is how long a halted node keeps serving its peers before it
// stops.
const haltGrace = 15 * time.Second

func newGenesisNewCmd(c *cli) *cobra.Command {
	var g genesisNew
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Write a genesis with the seed's allocation and the given gatekeepers",
		Long: `Writes a genesis file: 1,000,000,000 PHA allocated as the seed says (15 %
private sale, 5 % developers, 9 % airdrop, 1 % testers, 70 % in the
computing-reward pool), the gatekeepers given with --validator, and the
chain's default parameters. Each gatekeeper's validator account, which pays
for its enclave's registration and messages, is granted --validator-grant
(1,000 PHA by default) out of the testers' share, and --grant pays other
accounts from it too: the testers' account holds the rest. --allow-sim
accepts the sim platform and this build's sim enclave (development chains).
The private sale's allocation vests (locked for 180 days, then released
linearly until 730 days after genesis), and the developers' too but for
1,000,000 PHA liquid for their fees (365 days, then until 1,460 days);
--no-vesting makes every allocation liquid ('phalanx query vesting' shows an
account's schedule). --validator-bond grants each validator account that much
more and bonds it at genesis as the gatekeeper's self-bond, so that its stake
votes on proposals from the first block; --staking-params and --gov-params
change those modules' default parameters.
Copy the file to config/genesis.json on every gatekeeper.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return g.run(c) },
	}
	f := cmd.Flags()
	f.StringVar(&g.chainID, "chain-id", "", "chain id (required), e.g. phalanx-1")
	f.StringArrayVar(&g.validators, "validator", nil, "a gatekeeper: NAME=PUBKEY[:POWER], PUBKEY as printed by phalanx init (repeat for each)")
	f.StringVar(&g.alloc[0], "private-sale", "", "address holding the private sale's 15 %")
	f.StringVar(&g.alloc[1], "developers", "", "address holding the developers' 5 %")
	f.StringVar(&g.alloc[2], "airdrop", "", "address holding the airdrop's 9 %")
	f.StringVar(&g.alloc[3], "testers", "", "address holding the testers' 1 %")
	f.StringArrayVar(&g.grants, "grant", nil, "an account funded out of the testers' share: NAME=ADDRESS:AMOUNT, e.g. faucet=pha1...:100000PHA")
	f.StringVar(&g.validatorGrant, "validator-grant", "1000PHA", "what each validator account is granted out of the testers' share, for its enclave's fees (0: none)")
	f.Uint64Var(&g.minGasPrice, "min-gas-price", 0, "minimum gas price in units per gas (default: the chain default)")
	f.StringVar(&g.out, "out", "", "where to write (default: config/genesis.json in --home)")
	f.StringVar(&g.council, "council", "", "the bootstrap council: an account that may change the registry's parameters beside governance, until a proposal retires it (default: the developers' address)")
	f.StringVar(&g.validatorBond, "validator-bond", "0", "what each validator account is granted beside --validator-grant and bonds at genesis as its self-bond, so that its stake votes from the first block (at least staking's min_self_bond; 0: none)")
	f.StringArrayVar(&g.operators, "operator", nil, "NAME=ADDRESS: the account that operates the --validator NAME (bonds, votes, unjails, is paid its rewards); default its consensus key's account (repeat for each)")
	f.StringVar(&g.stakingParams, "staking-params", "", `changes to staking's default parameters, as JSON, e.g. '{"epoch_blocks": 100}'`)
	f.StringVar(&g.govParams, "gov-params", "", `changes to governance's default parameters, as JSON, e.g. '{"voting_period": 3600}'`)
	f.StringArrayVar(&g.measurements, "measurement", nil, "an accepted enclave measurement: PLATFORM:HEX, PLATFORM one of tdx, sevsnp, sim (repeat for each)")
	f.BoolVar(&g.allowSim, "allow-sim", false, "accept enclaves on the sim TEE platform, which protects nothing, and this build's sim measurement (development chains only)")
	f.Uint32Var(&g.minWorkerVersion, "min-worker-version", 0, "refuse worker enclaves older than this version")
	f.BoolVar(&g.noVesting, "no-vesting", false, "make the private sale's and the developers' allocations liquid from genesis instead of vesting")
	for _, n := range []string{"chain-id", "private-sale", "developers", "airdrop", "testers"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func (g *genesisNew) run(c *cli) error {
	var vals []node.Validator
	for _, v := range g.validators {
		val, err := parseValidator(v)
		if err != nil {
			return err
		}
		vals = append(vals, val)
	}
	if len(vals) == 0 {
		return fmt.Errorf("give at least one --validator NAME=PUBKEY")
	}
	var a [4]crypto.Address
	for i, name := range []string{"private-sale", "developers", "airdrop", "testers"} {
		addr, err := crypto.ParseAddress(g.alloc[i])
		if err != nil {
			return fmt.Errorf("--%s: %w", name, err)
		}
		a[i] = addr
	}
	bg, gs, err := g.bankGenesis(vals, a)
	if err != nil {
		return err
	}
	genesisTime := time.Now()
	if !g.noVesting {
		if err := bg.VestSeed(genesisTime); err != nil {
			return err
		}
	}
	ag := auth.DefaultGenesis()
	if g.minGasPrice > 0 {
		ag.Params.MinGasPrice = g.minGasPrice
	}
	rg, simMeasurement, err := g.registryGenesis(a[1]) // the developers are the council until a governance module exists
	if err != nil {
		return err
	}
	sg, govg, err := g.stakeGenesis(vals)
	if err != nil {
		return err
	}
	doc, err := node.NewGenesis(g.chainID, genesisTime, vals, ag, bg, rg, sg, govg)
	if err != nil {
		return err
	}
	if g.out == "" {
		g.out = filepath.Join(c.home, "config", "genesis.json")
	}
	if err := doc.SaveAs(g.out); err != nil {
		return err
	}
	res := genesisOut{ChainID: g.chainID, Gatekeepers: len(vals), File: g.out, Grants: append([]bank.GenesisAccount{}, gs...), SimMeasurement: simMeasurement}
	return c.print(res, func(w io.Writer) { g.report(w, res, bg) })
}

// bankGenesis is the seed's allocation to a, with the validator accounts'
// and --grant's grants out of the testers' share.
func (g *genesisNew) bankGenesis(vals []node.Validator, a [4]crypto.Address) (bank.Genesis, []bank.GenesisAccount, error) {
	vgrant, err := parseValidatorGrant(g.validatorGrant)
	if err != nil {
		return bank.Genesis{}, nil, err
	}
	bond, err := g.bond()
	if err != nil {
		return bank.Genesis{}, nil, err
	}
	ops, err := g.operatorsByName(vals)
	if err != nil {
		return bank.Genesis{}, nil, err
	}
	// The bond is granted to whoever bonds it: the operator, when one is
	// named, else the validator account beside its fees.
	var gs []bank.GenesisAccount
	for _, v := range vals {
		amount := vgrant
		if _, named := ops[v.Moniker]; !named {
			amount, _ = amount.Add(bond)
		}
		vg, err := node.ValidatorGrants([]node.Validator{v}, amount)
		if err != nil {
			return bank.Genesis{}, nil, err
		}
		gs = append(gs, vg...)
	}
	for _, v := range vals {
		if op, named := ops[v.Moniker]; named && !bond.IsZero() {
			gs = append(gs, bank.GenesisAccount{Name: v.Moniker + "-operator", Address: op, Amount: bond})
		}
	}
	for _, s := range g.grants {
		ga, err := parseGrant(s)
		if err != nil {
			return bank.Genesis{}, nil, err
		}
		gs = append(gs, ga)
	}
	bg, err := bank.SeedGenesis(bank.Allocation{PrivateSale: a[0], Developers: a[1], Airdrop: a[2], Testers: a[3]}, gs)
	return bg, gs, err
}

// operatorsByName reads --operator NAME=ADDRESS, NAME a --validator's.
func (g *genesisNew) operatorsByName(vals []node.Validator) (map[string]crypto.Address, error) {
	out := map[string]crypto.Address{}
	for _, s := range g.operators {
		name, addrStr, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("--operator %q: want NAME=ADDRESS", s)
		}
		if !slices.ContainsFunc(vals, func(v node.Validator) bool { return v.Moniker == name }) {
			return nil, fmt.Errorf("--operator %q: no --validator is named %s", s, name)
		}
		addr, err := crypto.ParseAddress(addrStr)
		if err != nil {
			return nil, fmt.Errorf("--operator %q: %w", s, err)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--operator %q: %s is named twice", s, name)
		}
		out[name] = addr
	}
	return out, nil
}

// registryGenesis is the registry's parameters: the council (--council,
// or council), the measurements allowed, and with --allow-sim this
// build's sim enclave, whose measurement it returns.
func (g *genesisNew) registryGenesis(council crypto.Address) (registry.Genesis, registry.HexBytes, error) {
	if g.council != "" {
		var err error
		if council, err = crypto.ParseAddress(g.council); err != nil {
			return registry.Genesis{}, nil, fmt.Errorf("--council: %w", err)
		}
	}
	rg := registry.DefaultGenesis(council)
	rg.Params.AllowSim = g.allowSim
	rg.Params.MinWorkerVersion = g.minWorkerVersion
	var simMeasurement registry.HexBytes
	if g.allowSim {
		// A sim measurement names only the enclave version and protects
		// nothing: a chain that accepts sim accepts this build's.
		simMeasurement = tee.SimMeasurement(enclave.Version)
		rg.Params.Measurements = append(rg.Params.Measurements, registry.Measurement{Platform: tee.Sim, Value: simMeasurement, Note: fmt.Sprintf("phalanx sim enclave, version %d", enclave.Version)})
	}
	for _, m := range g.measurements {
		ms, err := parseMeasurement(m)
		if err != nil {
			return registry.Genesis{}, nil, fmt.Errorf("--measurement: %w", err)
		}
		if ms.Platform == tee.Sim && string(ms.Value) == string(simMeasurement) {
			continue // already listed by --allow-sim
		}
		rg.Params.Measurements = append(rg.Params.Measurements, ms)
	}
	registry.SortMeasurements(rg.Params.Measurements)
	return rg, simMeasurement, nil
}

// report prints what genesis new wrote, for people.
func (g *genesisNew) report(w io.Writer, res genesisOut, bg bank.Genesis) {
	fmt.Fprintf(w, "Wrote the genesis of chain %s with %d gatekeepers to %s\n", res.ChainID, res.Gatekeepers, res.File)
	if len(res.Grants) > 0 {
		fmt.Fprintf(w, "Granted out of the testers' share:\n")
		for _, a := range res.Grants {
			fmt.Fprintf(w, "  %-20s %s  %s\n", a.Name, a.Address, a.Amount.PHA())
		}
	} else {
		fmt.Fprintf(w, "No validator account is funded (--validator-grant 0): fund each before its node starts --enclave.\n")
	}
	for _, acc := range bg.Accounts {
		if acc.Name == "testers" {
			fmt.Fprintf(w, "The testers' account %s holds the rest: %s.\n", acc.Address, acc.Amount.PHA())
		}
		if v := acc.Vesting; v != nil {
			day := func(t int64) string { return time.Unix(t, 0).UTC().Format(time.DateOnly) }
			fmt.Fprintf(w, "The %s account vests %s of its %s: locked until %s, released linearly until %s.\n",
				acc.Name, v.Amount.PHA(), acc.Amount.PHA(), day(v.Cliff), day(v.End))
		}
	}
	if g.allowSim {
		fmt.Fprintf(w, "WARNING: the chain accepts the sim platform, which protects nothing, and this build's sim enclave\n(measurement sim:%s): for development chains only.\n", res.SimMeasurement)
	}
}

// genesisOut is what genesis new reports.
type genesisOut struct {
	ChainID     string `json:"chain_id"`
	Gatekeepers int    `json:"gatekeepers"`
	File        string `json:"file"`
	// Grants are the accounts funded out of the testers' share, the
	// validator accounts first.
	Grants []bank.GenesisAccount `json:"grants"`
	// SimMeasurement is the sim enclave measurement --allow-sim accepted.
	SimMeasurement registry.HexBytes `json:"sim_measurement,omitempty"`
}

// bond reads --validator-bond: an amount, or 0 for none.
func (g *genesisNew) bond() (pha.Amount, error) {
	if g.validatorBond == "0" || g.validatorBond == "" {
		return pha.Zero, nil
	}
	a, err := pha.Parse(g.validatorBond)
	if err != nil {
		return pha.Zero, fmt.Errorf("--validator-bond: %w", err)
	}
	return a, nil
}

// stakeGenesis is staking's section (its parameters with
// --staking-params, each validator's --validator-bond) and governance's
// (its parameters with --gov-params).
func (g *genesisNew) stakeGenesis(vals []node.Validator) (staking.Genesis, gov.Genesis, error) {
	sp, gp := staking.DefaultParams(), gov.DefaultParams()
	var err error
	if g.stakingParams != "" {
		if sp, err = module.ApplyChanges(sp, json.RawMessage(g.stakingParams)); err != nil {
			return staking.Genesis{}, gov.Genesis{}, fmt.Errorf("--staking-params: %w", err)
		}
	}
	if g.govParams != "" {
		if gp, err = module.ApplyChanges(gp, json.RawMessage(g.govParams)); err != nil {
			return staking.Genesis{}, gov.Genesis{}, fmt.Errorf("--gov-params: %w", err)
		}
	}
	sg := staking.Genesis{Params: &sp}
	bond, err := g.bond()
	if err != nil {
		return staking.Genesis{}, gov.Genesis{}, err
	}
	ops, err := g.operatorsByName(vals)
	if err != nil {
		return staking.Genesis{}, gov.Genesis{}, err
	}
	for _, v := range vals {
		if op, named := ops[v.Moniker]; named {
			sg.Operators = append(sg.Operators, staking.GenesisOperator{ConsensusKey: v.ValidatorPubKey.Bytes(), Operator: op})
		}
	}
	if !bond.IsZero() {
		if bond.Lt(sp.MinSelfBond) {
			return staking.Genesis{}, gov.Genesis{}, fmt.Errorf("--validator-bond %s is below min_self_bond %s", bond.PHA(), sp.MinSelfBond.PHA())
		}
		for _, v := range vals {
			op, named := ops[v.Moniker]
			if !named {
				if op, err = v.ValidatorAccount(); err != nil {
					return staking.Genesis{}, gov.Genesis{}, err
				}
			}
			sg.Bonds = append(sg.Bonds, staking.GenesisBond{Operator: op, Amount: bond})
		}
	}
	return sg, gov.Genesis{Params: &gp}, nil
}

// parseValidatorGrant reads --validator-grant: an amount, or 0 for none.
func parseValidatorGrant(s string) (pha.Amount, error) {
	if strings.TrimSpace(s) == "0" {
		return pha.Amount{}, nil
	}
	a, err := pha.Parse(s)
	if err != nil {
		return pha.Amount{}, fmt.Errorf("--validator-grant: %w", err)
	}
	return a, nil
}

func parseValidator(s string) (node.Validator, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return node.Validator{}, fmt.Errorf("--validator %q: want NAME=PUBKEY[:POWER]", s)
	}
	pub, powerStr, hasPower := strings.Cut(rest, ":")
	power := int64(10)
	if hasPower {
		p, err := strconv.ParseInt(powerStr, 10, 64)
		if err != nil || p <= 0 {
			return node.Validator{}, fmt.Errorf("--validator %q: power must be a positive integer", s)
		}
		power = p
	}
	raw, err := base64.StdEncoding.DecodeString(pub)
	if err != nil || len(raw) != ed25519.PubKeySize {
		return node.Validator{}, fmt.Errorf("--validator %q: the public key must be %d bytes in base64, as phalanx init prints it", s, ed25519.PubKeySize)
	}
	return node.Validator{Identity: node.Identity{Moniker: name, ValidatorPubKey: ed25519.PubKey(raw)}, Power: power}, nil
}

// parseMeasurement reads PLATFORM:HEX[:NOTE], a measurement of the
// allowlist.
func parseMeasurement(s string) (registry.Measurement, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 {
		return registry.Measurement{}, fmt.Errorf("measurement %q: want PLATFORM:HEX[:NOTE]", s)
	}
	v, err := hex.DecodeString(parts[1])
	if err != nil || len(v) == 0 {
		return registry.Measurement{}, fmt.Errorf("measurement %q: the value must be hex", s)
	}
	if !tee.Known(parts[0]) {
		return registry.Measurement{}, fmt.Errorf("measurement %q: platform must be one of %s", s, strings.Join(tee.Platforms(), ", "))
	}
	m := registry.Measurement{Platform: parts[0], Value: v}
	if len(parts) == 3 {
		m.Note = parts[2]
	}
	return m, nil
}

func parseGrant(s string) (bank.GenesisAccount, error) {
	name, rest, ok := strings.Cut(s, "=")
	addrStr, amtStr, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return bank.GenesisAccount{}, fmt.Errorf("--grant %q: want NAME=ADDRESS:AMOUNT", s)
	}
	addr, err := crypto.ParseAddress(addrStr)
	if err != nil {
		return bank.GenesisAccount{}, fmt.Errorf("--grant %q: %w", s, err)
	}
	amt, err := pha.Parse(amtStr)
	if err != nil {
		return bank.GenesisAccount{}, fmt.Errorf("--grant %q: %w", s, err)
	}
	return bank.GenesisAccount{Name: name, Address: addr, Amount: amt}, nil
}

func newGenesisValidateCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a genesis file (default: config/genesis.json in --home)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := filepath.Join(c.home, "config", "genesis.json")
			if len(args) == 1 {
				path = args[0]
			}
			doc, err := node.LoadGenesis(path)
			if err != nil {
				return err
			}
			st, _ := app.ParseAppState(doc.AppState) // LoadGenesis validated it
			var bg bank.Genesis
			if err := st.Section(&bg); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "%s is valid: chain %s, %d gatekeepers, supply %s in %d accounts\n",
				path, doc.ChainID, len(doc.Validators), bg.Supply.PHA(), len(bg.Accounts))
			return nil
		},
	}
}

func newNodeCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a gatekeeper node on this machine",
	}
	cmd.AddCommand(newNodeStartCmd(c))
	return cmd
}

func newNodeStartCmd(c *cli) *cobra.Command {
	var peers, logLevel, cometLevel, enclavePlatform, dashboard string
	var metrics bool
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the gatekeeper in --home (Ctrl-C stops it)",
		Long: `Starts the gatekeeper: the CometBFT validator and, with --enclave, its enclave
service on that TEE platform, which registers the enclave from the validator
account and holds the network's master key (generating it if this is the
first gatekeeper, receiving it otherwise) and sends cluster keys to workers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := node.LoadConfig(c.home)
			tuneGC()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("peers") {
				cfg.P2P.PersistentPeers = peers
			}
			// The flag, when given, wins for this run; else config.toml's
			// instrumentation.prometheus decides.
			if !cmd.Flags().Changed("metrics") {
				metrics = cfg.Instrumentation.Prometheus
			}
			lvl, err := parseLevel(logLevel)
			if err != nil {
				return err
			}
			clvl, err := parseLevel(cometLevel)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: lvl}))
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			g, err := node.New(ctx, node.Options{Home: c.home, Config: cfg, Log: log, CometLogLevel: clvl, Metrics: metrics})
			if err != nil {
				return err
			}
			if err := g.Start(); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Gatekeeper %s running; RPC at %s. Ctrl-C stops it.\n", cfg.Moniker, g.RPCURL())
			if dashboard != "" {
				url, stopDash, err := g.ServeDashboard(dashboard)
				if err != nil {
					g.Stop()
					return err
				}
				defer stopDash()
				fmt.Fprintf(c.stdout, "Dashboard and explorer at %s\n", url)
			}
			var done chan error
			if enclavePlatform != "" {
				svc, err := g.EnclaveService(ctx, enclavePlatform, 0)
				if err != nil {
					g.Stop()
					return err
				}
				st := svc.Status()
				fmt.Fprintf(c.stdout, "Enclave %s on %s.\n", st.Identity, st.Platform)
				if st.Warning != "" {
					fmt.Fprintf(c.stdout, "WARNING: %s\n", st.Warning)
				}
				done = make(chan error, 1)
				go func() { done <- svc.Run(ctx) }()
			}
			select {
			case <-g.Halted():
				// The chain cannot go on with this binary (an upgrade it
				// does not know) or this state (a broken invariant): stop,
				// and fail with why, so that the operator's supervisor
				// shows it. The node stays up a while first: its peers may
				// still need its votes for the block it stopped at, and a
				// network whose nodes all left at once would leave some
				// of them a block short.
				herr := g.HaltError()
				log.Error("the node halted; serving its peers a while, then stopping", "grace", haltGrace, "err", herr)
				select {
				case <-time.After(haltGrace):
				case <-ctx.Done():
				}
				stop()
				if done != nil {
					<-done
				}
				if serr := g.Stop(); serr != nil {
					log.Error("stopping the node", "err", serr)
				}
				return fmt.Errorf("the node halted: %w", herr)
			case <-ctx.Done():
				if done != nil {
					if err := <-done; err != nil {
						log.Error("gatekeeper enclave service stopped", "err", err)
					}
				}
				return g.Stop()
			case err := <-done:
				// Run ends early only when the enclave cannot go on (the
				// chain refuses it, or the node served something that does
				// not verify). A gatekeeper without its enclave would hold
				// no master key: stop the node too, and fail, so that the
				// operator's supervisor shows it.
				log.Error("gatekeeper enclave service stopped; stopping the node", "err", err)
				if serr := g.Stop(); serr != nil {
					log.Error("stopping the node", "err", serr)
				}
				if err == nil {
					err = errors.New("the enclave service ended")
				}
				return fmt.Errorf("gatekeeper enclave service: %w", err)
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&peers, "peers", "", "persistent peers id@host:port,... (overrides config.toml)")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&cometLevel, "comet-log-level", "error", "log level of CometBFT itself")
	f.StringVar(&enclavePlatform, "enclave", "", "run the gatekeeper's enclave service on this TEE platform (sim, tdx, sevsnp); empty runs none")
	f.BoolVar(&metrics, "metrics", true, "serve Prometheus metrics (CometBFT's and the application's) at config.toml's prometheus_listen_addr; without the flag, config.toml's prometheus setting decides")
	f.StringVar(&dashboard, "dashboard", "127.0.0.1:26670", "where to serve the dashboard and explorer (host:port; empty serves none)")
	return cmd
}
