package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/e2e"
	"github.com/phalanx-net/phalanx/internal/proc"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
)

// TestOperationsWalkthrough runs docs/operations.md's "network of
// gatekeepers on several hosts" as an operator would, each step a separate
// phalanx process, on 127.0.0.1 with a port range per "host": four inits,
// the allocation holders' keys, genesis new, the genesis copied to every
// node, four `node start --enclave sim` with their peers, and a worker.
// Then it checks, on a chain whose genesis does not allow sim, that the
// gatekeeper's enclave service and the worker stop with the reason instead
// of retrying.
func TestOperationsWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds phalanx and runs a network of processes")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "phalanx")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ph := &phalanxBin{t: t, bin: bin}
	base, err := devnet.FreeBasePort(5)
	if err != nil {
		t.Fatal(err)
	}
	// Host i's ports: P2P base+10i, RPC +1, the worker's queries +5, the
	// dashboard +8, metrics +9.
	port := func(i, off int) int { return base + 10*i + off }

	// 1. Each gatekeeper's home and keys.
	ids := make([]identityOut, 4)
	for i := range ids {
		out := ph.run("init", "--home", filepath.Join(dir, fmt.Sprintf("gk%d", i)), "--moniker", fmt.Sprintf("gk%d", i),
			"--p2p-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", port(i, 0)), "--rpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", port(i, 1)),
			"--metrics-laddr", fmt.Sprintf("127.0.0.1:%d", port(i, 9)), "-o", "json")
		mustJSON(t, out, &ids[i])
		if ids[i].ValidatorAccount.IsZero() {
			t.Fatalf("init printed no validator account: %s", out)
		}
		if err := e2e.RehearseOnOneHost(ids[i].Home); err != nil {
			t.Fatal(err)
		}
	}

	// 2. The allocation holders' keys, and the worker operator's.
	holders := map[string]crypto.Address{}
	for _, name := range []string{"private-sale", "developers", "airdrop", "testers"} {
		holders[name] = ph.key(filepath.Join(dir, "holders"), name)
	}
	operator := ph.key(filepath.Join(dir, "worker"), "operator")

	// 3. The genesis: the four validators (their accounts funded), the four
	// holders, the operator's grant; sim allowed, as this machine is no TEE.
	genesisArgs := func(chainID, out string, allowSim bool, gks []identityOut, grant crypto.Address) []string {
		args := []string{"genesis", "new", "--chain-id", chainID}
		for _, id := range gks {
			args = append(args, "--validator", id.Moniker+"="+id.ValidatorPubKey)
		}
		for _, name := range []string{"private-sale", "developers", "airdrop", "testers"} {
			args = append(args, "--"+name, holders[name].String())
		}
		args = append(args, "--grant", "operator="+grant.String()+":1000PHA", "--out", out, "-o", "json")
		if allowSim {
			args = append(args, "--allow-sim")
		}
		return args
	}
	genesis := filepath.Join(dir, "genesis.json")
	var gen genesisOut
	mustJSON(t, ph.run(genesisArgs("phalanx-1", genesis, true, ids, operator)...), &gen)
	for i, id := range ids {
		if g := gen.Grants[i]; g.Address != id.ValidatorAccount || g.Amount.IsZero() {
			t.Fatalf("genesis new did not fund %s's validator account %s: %+v", id.Moniker, id.ValidatorAccount, gen.Grants)
		}
	}
	if out := ph.run("genesis", "validate", genesis); !strings.Contains(out, "is valid") {
		t.Fatalf("genesis validate: %s", out)
	}

	// 4. The same genesis on every node.
	raw, err := os.ReadFile(genesis)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := os.WriteFile(filepath.Join(id.Home, "config", "genesis.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 5. Each node with the other three as persistent peers, and its
	// gatekeeper enclave.
	nodes := make([]*proc.Process, len(ids))
	for i, id := range ids {
		var peers []string
		for j, o := range ids {
			if j != i {
				peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", o.NodeID, port(j, 0)))
			}
		}
		nodes[i] = ph.start("node", "start", "--home", id.Home, "--enclave", "sim", "--peers", strings.Join(peers, ","),
			"--dashboard", fmt.Sprintf("127.0.0.1:%d", port(i, 8)))
	}

	// 6. Blocks, four registered gatekeeper enclaves holding the master key.
	rpc0 := fmt.Sprintf("http://127.0.0.1:%d", port(0, 1))
	cl, err := client.New(rpc0)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, ctx, nodes, "four gatekeeper enclaves, each holding the master key", func() bool {
		gks, err := cl.Gatekeepers(ctx)
		if err != nil || len(gks) != 4 {
			return false
		}
		accounts := map[crypto.Address]bool{}
		for _, g := range gks {
			accounts[g.Validator] = true
			q, err := cl.Get(ctx, "/store", keys.HolderKey(0, g.Identity), 0, false)
			if err != nil || q.Value == nil {
				return false
			}
		}
		for _, id := range ids {
			if !accounts[id.ValidatorAccount] {
				t.Fatalf("no enclave of %s's validator account %s among %+v", id.Moniker, id.ValidatorAccount, gks)
			}
		}
		return true
	})
	var st statusOut
	mustJSON(t, ph.run("status", "--node", fmt.Sprintf("http://127.0.0.1:%d", port(2, 1)), "-o", "json"), &st)
	if st.ChainID != "phalanx-1" || st.Height < 2 || st.Validators != 4 {
		t.Fatalf("status: %+v", st)
	}
	if out := ph.run("query", "supply", "--node", fmt.Sprintf("http://127.0.0.1:%d", port(1, 1))); !strings.Contains(out, "1,000,000,000 PHA") {
		t.Fatalf("query supply: %s", out)
	}
	// The private sale's allocation vests: all of it locked at first.
	var vest vestingOut
	mustJSON(t, ph.run("query", "vesting", holders["private-sale"].String(), "--node", rpc0, "-o", "json"), &vest)
	if !vest.Vests || vest.Locked.Cmp(pha.Tokens(bank.PrivateSalePHA)) != 0 || !vest.Spendable.IsZero() {
		t.Fatalf("query vesting of the private sale: %+v", vest)
	}
	// Metrics are on by default, on loopback.
	if body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port(0, 9))); !strings.Contains(body, "cometbft_consensus_height") || !strings.Contains(body, "phalanx_height") {
		t.Fatalf("gk0's metrics lack CometBFT's or the application's:\n%.500s", body)
	}

	// 7. A worker, paid by its funded operator, given every gatekeeper
	// (a list, and the flag repeated): gk0 is its primary, the others its
	// witnesses. It takes its sealing root from the gatekeepers' enclaves,
	// as a TDX worker does.
	workerArgs := []string{"worker", "start", "--home", filepath.Join(dir, "worker"), "--operator", "operator", "--keyring-backend", "test",
		"--node", rpc0 + "," + fmt.Sprintf("http://127.0.0.1:%d", port(1, 1)), "--node", fmt.Sprintf("http://127.0.0.1:%d,http://127.0.0.1:%d", port(2, 1), port(3, 1)),
		"--platform", "sim", "--sim-released-sealing", "--genesis", genesis, "--query-addr", fmt.Sprintf("127.0.0.1:%d", port(4, 5))}
	wk := ph.start(workerArgs...)
	var registered registry.Enclave
	waitUntil(t, ctx, append(nodes, wk), "the worker to register", func() bool {
		ws, err := cl.Workers(ctx)
		if err != nil || len(ws) != 1 || ws[0].Operator != operator {
			return false
		}
		registered = ws[0]
		return true
	})
	if _, err := os.Stat(filepath.Join(dir, "worker", "worker", tee.SimSealingKeyFile)); err == nil {
		t.Fatal("a worker with a released sealing root wrote a sealing key file")
	}
	// Started again, it is released the same root and is the same worker.
	wk.Interrupt()
	if err := wk.Wait(30 * time.Second); err != nil {
		t.Fatalf("the worker did not stop cleanly: %v\n%s", err, wk.Output())
	}
	wk = ph.start(workerArgs...)
	waitUntil(t, ctx, append(nodes, wk), "the restarted worker to be released its sealing root", func() bool {
		return strings.Contains(wk.Output(), "sealing root released") && strings.Contains(wk.Output(), "enclave keys unsealed")
	})
	if out := wk.Output(); !strings.Contains(out, registered.Identity.String()) {
		t.Fatalf("the restarted worker is not %s:\n%s", registered.Identity, out)
	}
	if out := ph.run("query", "workers", "--node", rpc0); !strings.Contains(out, operator.String()) {
		t.Fatalf("query workers: %s", out)
	}
	if out := wk.Output(); !strings.Contains(out, "witnesses=3") {
		t.Fatalf("the worker does not follow with three witnesses:\n%s", out)
	}

	// Everything stops cleanly on SIGINT.
	for _, p := range append([]*proc.Process{wk}, nodes...) {
		p.Interrupt()
	}
	for _, p := range append([]*proc.Process{wk}, nodes...) {
		if err := p.Wait(30 * time.Second); err != nil {
			t.Fatalf("%s did not stop cleanly: %v\n%s", p.Name, err, p.Output())
		}
	}

	// A chain without --allow-sim: the refusals stop the services.
	soloBase, err := devnet.FreeBasePort(1)
	if err != nil {
		t.Fatal(err)
	}
	var solo identityOut
	mustJSON(t, ph.run("init", "--home", filepath.Join(dir, "solo"), "--moniker", "solo",
		"--p2p-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", soloBase), "--rpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", soloBase+1),
		"--metrics-laddr", fmt.Sprintf("127.0.0.1:%d", soloBase+9), "-o", "json"), &solo)
	if err := e2e.RehearseOnOneHost(solo.Home); err != nil {
		t.Fatal(err)
	}
	soloOperator := ph.key(filepath.Join(dir, "solo-worker"), "operator")
	soloGenesis := filepath.Join(solo.Home, "config", "genesis.json")
	ph.run(genesisArgs("phalanx-solo", soloGenesis, false, []identityOut{solo}, soloOperator)...)
	dashboard := fmt.Sprintf("127.0.0.1:%d", soloBase+8)

	// The gatekeeper's enclave is refused: the node stops, and fails.
	gk := ph.start("node", "start", "--home", solo.Home, "--enclave", "sim", "--dashboard", dashboard)
	err = gk.Wait(time.Minute)
	wantRefusal(t, "node start --enclave sim", err, gk.Output())

	// The node alone runs; a sim worker is refused and stops.
	gk = ph.start("node", "start", "--home", solo.Home, "--dashboard", dashboard)
	defer gk.Interrupt()
	wk = ph.start("worker", "start", "--home", filepath.Join(dir, "solo-worker"), "--operator", "operator", "--keyring-backend", "test",
		"--node", fmt.Sprintf("http://127.0.0.1:%d", soloBase+1), "--platform", "sim", "--genesis", soloGenesis,
		"--query-addr", fmt.Sprintf("127.0.0.1:%d", soloBase+5))
	err = wk.Wait(time.Minute)
	wantRefusal(t, "worker start --platform sim", err, wk.Output())
	gk.Interrupt()
	if err := gk.Wait(30 * time.Second); err != nil {
		t.Fatalf("the solo node did not stop cleanly: %v\n%s", err, gk.Output())
	}
}

// wantRefusal checks that a service exited with status 1 and said that
// the chain refuses sim and how to get one that accepts it.
func wantRefusal(t *testing.T, what string, err error, out string) {
	t.Helper()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("%s on a chain without sim: %v, want exit status 1\n%s", what, err, out)
	}
	for _, want := range []string{"the chain refuses this enclave", "does not accept the sim platform", "genesis new --allow-sim"} {
		if !strings.Contains(out, want) {
			t.Fatalf("%s: the output does not say %q:\n%s", what, want, out)
		}
	}
	if n := strings.Count(out, "level=WARN"); n > 3 {
		t.Fatalf("%s retried %d times before stopping:\n%s", what, n, out)
	}
}

// phalanxBin runs the built binary.
type phalanxBin struct {
	t   *testing.T
	bin string
}

// run runs one command to completion and returns its standard output.
func (p *phalanxBin) run(args ...string) string {
	p.t.Helper()
	out, err := proc.Run(p.bin, args...)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// key makes a key in the test keyring of home and returns its address.
func (p *phalanxBin) key(home, name string) crypto.Address {
	p.t.Helper()
	var k struct {
		Address crypto.Address `json:"address"`
	}
	mustJSON(p.t, p.run("keys", "add", name, "--home", home, "--keyring-backend", "test", "-o", "json"), &k)
	return k.Address
}

// start starts a long-running command; the test's end kills it if it
// still runs.
func (p *phalanxBin) start(args ...string) *proc.Process {
	p.t.Helper()
	pr, err := proc.Start("phalanx "+strings.Join(args[:2], " "), p.bin, args...)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(pr.Kill)
	return pr
}

// waitUntil polls cond until it holds; it fails at once if a process
// exits.
func waitUntil(t *testing.T, ctx context.Context, procs []*proc.Process, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		for _, p := range procs {
			if p.Exited() {
				t.Fatalf("waiting for %s: %s exited: %v\n%s", what, p.Name, p.Err(), p.Output())
			}
		}
		select {
		case <-ctx.Done():
			var logs strings.Builder
			for _, p := range procs {
				fmt.Fprintf(&logs, "--- %s\n%s\n", p.Name, p.Output())
			}
			t.Fatalf("no %s in time\n%s", what, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func mustJSON(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
