package main

import (
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/privval"

	"github.com/phalanx-net/phalanx/chain/app"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/node"
	"github.com/phalanx-net/phalanx/tee"
)

// initNode runs phalanx init -o json in a new home and returns what it
// printed.
func initNode(t *testing.T, moniker string) identityOut {
	t.Helper()
	home := t.TempDir()
	out := mustRun(t, "init", "--home", home, "--moniker", moniker, "-o", "json")
	var id identityOut
	if err := json.Unmarshal([]byte(out), &id); err != nil {
		t.Fatalf("init -o json: %v\n%s", err, out)
	}
	return id
}

// allocationFlags are the four allocation holders' flags of genesis new.
func allocationFlags() []string {
	a := crypto.ModuleAddress
	return []string{"--private-sale", a("s").String(), "--developers", a("d").String(), "--airdrop", a("a").String(), "--testers", a("t").String()}
}

func TestInitPrintsTheValidatorAccount(t *testing.T) {
	id := initNode(t, "gk0")
	cfg, err := node.LoadConfig(id.Home)
	if err != nil {
		t.Fatal(err)
	}
	pv := loadValidatorKey(t, cfg)
	if want := pv.Address(); id.ValidatorAccount != want {
		t.Fatalf("init printed validator account %s; the consensus key's account is %s", id.ValidatorAccount, want)
	}
	text := mustRun(t, "init", "--home", id.Home, "--moniker", "gk0")
	if !strings.Contains(text, "validator account  "+id.ValidatorAccount.String()) {
		t.Fatalf("init's text does not show the validator account:\n%s", text)
	}
	// Metrics are on, and only for this host.
	if !cfg.Instrumentation.Prometheus || cfg.Instrumentation.PrometheusListenAddr != "127.0.0.1:26660" || id.MetricsListen != "127.0.0.1:26660" {
		t.Fatalf("init wrote prometheus=%v at %q (printed %q)", cfg.Instrumentation.Prometheus, cfg.Instrumentation.PrometheusListenAddr, id.MetricsListen)
	}
}

// loadValidatorKey reads the public key of a validator key file.
func loadValidatorKey(t *testing.T, cfg *cmtcfg.Config) crypto.PublicKey {
	t.Helper()
	pv := privval.LoadFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	pk, err := crypto.PublicKeyFromBytes(pv.Key.PubKey.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// section returns app_state's section of a module.
func section[G module.Genesis](t *testing.T, st app.AppState) G {
	t.Helper()
	var g G
	if err := st.Section(any(&g).(module.Genesis)); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGenesisNewFundsTheValidatorAccounts(t *testing.T) {
	ids := []identityOut{initNode(t, "gk0"), initNode(t, "gk1")}
	dir := t.TempDir()
	genesis := func(extra ...string) (app.AppState, genesisOut) {
		t.Helper()
		args := []string{"genesis", "new", "--chain-id", "phalanx-1", "--out", filepath.Join(dir, "genesis.json"), "-o", "json"}
		for _, id := range ids {
			args = append(args, "--validator", id.Moniker+"="+id.ValidatorPubKey)
		}
		out := mustRun(t, append(append(args, allocationFlags()...), extra...)...)
		var res genesisOut
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("genesis new -o json: %v\n%s", err, out)
		}
		doc, err := node.LoadGenesis(filepath.Join(dir, "genesis.json"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := app.ParseAppState(doc.AppState)
		if err != nil {
			t.Fatal(err)
		}
		return st, res
	}
	balances := func(st app.AppState) map[string]bank.GenesisAccount {
		m := map[string]bank.GenesisAccount{}
		for _, a := range section[bank.Genesis](t, st).Accounts {
			m[a.Name] = a
		}
		return m
	}

	// By default each validator account gets 1,000 PHA from the testers.
	st, res := genesis()
	b := balances(st)
	for _, id := range ids {
		acc, ok := b[id.Moniker+"-validator"]
		if !ok || acc.Address != id.ValidatorAccount || acc.Amount.Cmp(pha.Tokens(1_000)) != 0 {
			t.Fatalf("%s's validator account %s: genesis has %+v", id.Moniker, id.ValidatorAccount, acc)
		}
	}
	if got, want := b["testers"].Amount, pha.Tokens(bank.TestersPHA-2_000); got.Cmp(want) != 0 {
		t.Fatalf("testers hold %s, want %s", got.PHA(), want.PHA())
	}
	if b["developers"].Amount.Cmp(pha.Tokens(bank.DevelopersPHA)) != 0 || b["reward-pool"].Amount.Cmp(pha.Tokens(bank.RewardPoolPHA)) != 0 {
		t.Fatalf("the seed's allocation changed: %+v", b)
	}
	if len(res.Grants) != 2 || res.Grants[0].Address != ids[0].ValidatorAccount || res.Grants[1].Address != ids[1].ValidatorAccount {
		t.Fatalf("genesis new reported grants %+v", res.Grants)
	}
	rg := section[registry.Genesis](t, st)
	if rg.Params.AllowSim || len(rg.Params.Measurements) != 0 || res.SimMeasurement != nil {
		t.Fatalf("without --allow-sim the registry accepts %+v", rg.Params)
	}

	// Another amount, and none.
	st, _ = genesis("--validator-grant", "2.5PHA")
	if got := balances(st)["gk1-validator"].Amount; got.Cmp(pha.Units(2_500_000_000_000)) != 0 {
		t.Fatalf("--validator-grant 2.5PHA granted %s", got.PHA())
	}
	st, res = genesis("--validator-grant", "0")
	if _, ok := balances(st)["gk0-validator"]; ok || len(res.Grants) != 0 {
		t.Fatalf("--validator-grant 0 still granted %+v", res.Grants)
	}
	if got := balances(st)["testers"].Amount; got.Cmp(pha.Tokens(bank.TestersPHA)) != 0 {
		t.Fatalf("without validator grants the testers hold %s", got.PHA())
	}

	// --allow-sim accepts this build's sim enclave without --measurement.
	st, res = genesis("--allow-sim")
	rg = section[registry.Genesis](t, st)
	want := tee.SimMeasurement(enclave.Version)
	if !rg.Params.AllowSim || !rg.Params.Allowed(tee.Sim, want) || string(res.SimMeasurement) != string(want) {
		t.Fatalf("--allow-sim: params %+v, reported %x", rg.Params, res.SimMeasurement)
	}
	st, _ = genesis("--allow-sim", "--measurement", "sim:"+hex.EncodeToString(want))
	if rg = section[registry.Genesis](t, st); len(rg.Params.Measurements) != 1 {
		t.Fatalf("the sim measurement given twice is listed %d times", len(rg.Params.Measurements))
	}

	// Genesis self-bonds, from grants that cover them, and parameters.
	st, _ = genesis("--validator-bond", "10000PHA", "--staking-params", `{"epoch_blocks": 10}`, "--gov-params", `{"voting_period": 30}`)
	if got := balances(st)["gk0-validator"].Amount; got.Cmp(pha.Tokens(11_000)) != 0 {
		t.Fatalf("with --validator-bond the grant is %s", got.PHA())
	}
	sg := section[staking.Genesis](t, st)
	if len(sg.Bonds) != 2 || sg.Bonds[1].Operator != ids[1].ValidatorAccount || sg.Bonds[1].Amount.Cmp(pha.Tokens(10_000)) != 0 || sg.Params.EpochBlocks != 10 {
		t.Fatalf("staking genesis %+v", sg)
	}
	if gg := section[gov.Genesis](t, st); gg.Params.VotingPeriod != 30 || gg.Params.QuorumBP != gov.DefaultParams().QuorumBP {
		t.Fatalf("gov genesis %+v", gg.Params)
	}
	// A named operator is granted the bond and bonds it; the validator
	// account keeps its grant for fees.
	var op crypto.Address
	op[0] = 5
	st, _ = genesis("--validator-bond", "10000PHA", "--operator", "gk0="+op.String())
	if b := balances(st); b["gk0-operator"].Amount.Cmp(pha.Tokens(10_000)) != 0 || b["gk0-validator"].Amount.Cmp(pha.Tokens(1_000)) != 0 {
		t.Fatalf("with --operator: %+v", b)
	}
	if sg := section[staking.Genesis](t, st); len(sg.Operators) != 1 || sg.Operators[0].Operator != op || sg.Bonds[0].Operator != op || sg.Bonds[1].Operator != ids[1].ValidatorAccount {
		t.Fatalf("staking genesis with --operator: %+v", sg)
	}
	for flag, bad := range map[string]string{
		"--operator":       "gk9=" + op.String(),
		"--validator-bond": "9PHA", "--staking-params": `{"epoch_block": 10}`, "--gov-params": `{"quorum_bp": 0}`,
	} {
		args := []string{"genesis", "new", "--chain-id", "phalanx-1", "--out", filepath.Join(dir, "bad.json"), "--validator", "gk0=" + ids[0].ValidatorPubKey, flag, bad}
		if out, err := run(t, "", append(args, allocationFlags()...)...); err == nil || !strings.Contains(err.Error(), flag) && !strings.Contains(err.Error(), "min_self_bond") {
			t.Errorf("%s %q: err %v, output %q", flag, bad, err, out)
		}
	}

	// Bad amounts are refused and change nothing.
	for _, bad := range []string{"1000", "-1PHA", "lots"} {
		args := []string{"genesis", "new", "--chain-id", "phalanx-1", "--out", filepath.Join(dir, "bad.json"), "--validator", "gk0=" + ids[0].ValidatorPubKey, "--validator-grant", bad}
		if out, err := run(t, "", append(args, allocationFlags()...)...); err == nil || !strings.Contains(err.Error(), "--validator-grant") {
			t.Errorf("--validator-grant %q: err %v, output %q", bad, err, out)
		}
	}
}
