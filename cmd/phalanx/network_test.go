package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/e2e"
	"github.com/phalanx-net/phalanx/internal/proc"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// TestNetworkChangesItself runs a network of gatekeepers as separate
// `phalanx node start` processes and changes it as its operators and
// holders would, each step a phalanx command: proposals pass by stake
// and take effect, or fail quorum; the treasury pays a grant; a stopped
// validator is jailed for downtime and earns nothing while away; a fifth
// gatekeeper joins by bonding, is handed the master key, is elected and
// signs blocks; another leaves and CometBFT's set shrinks; two nodes
// started with one consensus key are caught signing twice and the
// validator is slashed and jailed for good; and an upgrade governance
// planned stops every node at its height until each runs a binary that
// knows it, which carries the chain on.
func TestNetworkChangesItself(t *testing.T) {
	if testing.Short() {
		t.Skip("builds phalanx twice and runs a network of processes")
	}
	dir := t.TempDir()
	bin, upgraded := filepath.Join(dir, "phalanx"), filepath.Join(dir, "phalanx-v2")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The next release: the same code, built to implement upgrade v2.
	if out, err := exec.Command("go", "build", "-ldflags", "-X github.com/phalanx-net/phalanx/chain/app.buildUpgrades=v2", "-o", upgraded, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build v2: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	ph := &phalanxBin{t: t, bin: bin}
	base, err := devnet.FreeBasePort(7)
	if err != nil {
		t.Fatal(err)
	}
	port := func(i, off int) int { return base + 10*i + off }
	rpc := func(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", port(i, 1)) }

	// Six homes: gk0-gk3 are the genesis validators, gk4 joins later,
	// and gk5 is a second node with gk2's consensus key.
	ids := make([]identityOut, 6)
	for i := range ids {
		mustJSON(t, ph.run("init", "--home", filepath.Join(dir, fmt.Sprintf("gk%d", i)), "--moniker", fmt.Sprintf("gk%d", i),
			"--p2p-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", port(i, 0)), "--rpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", port(i, 1)),
			"--metrics-laddr", fmt.Sprintf("127.0.0.1:%d", port(i, 9)), "-o", "json"), &ids[i])
		if err := e2e.RehearseOnOneHost(ids[i].Home); err != nil {
			t.Fatal(err)
		}
	}
	key, err := os.ReadFile(filepath.Join(ids[2].Home, "config", "priv_validator_key.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ids[5].Home, "config", "priv_validator_key.json"), key, 0o600); err != nil {
		t.Fatal(err)
	}

	// The operators' and holders' keys, in one keyring.
	wallet := filepath.Join(dir, "wallet")
	acct := map[string]crypto.Address{}
	for _, name := range []string{"private-sale", "developers", "airdrop", "testers", "op0", "op1", "op2", "op3", "op4", "nominator", "grantee"} {
		acct[name] = ph.key(wallet, name)
	}
	as := func(args ...string) []string {
		return append(args, "--home", wallet, "--keyring-backend", "test", "--node", rpc(0))
	}

	// The genesis: four validators operated by op0-op3, each bonded with
	// 10,000 PHA; short epochs, windows and periods.
	args := []string{"genesis", "new", "--chain-id", "phalanx-gov", "--allow-sim", "--no-vesting", "--validator-bond", "10000PHA",
		"--staking-params", `{"epoch_blocks": 10, "min_validators": 2, "signed_window": 20, "max_missed": 10, "jail_time": 5, "unbonding_time": 20}`,
		"--gov-params", `{"voting_period": 15, "min_deposit": "100000000000000"}`,
		"--grant", "nominator=" + acct["nominator"].String() + ":100000PHA", "--grant", "op4=" + acct["op4"].String() + ":50000PHA",
		"--grant", "gk4-validator=" + ids[4].ValidatorAccount.String() + ":1000PHA", "--out", filepath.Join(dir, "genesis.json")}
	for i := range 4 {
		args = append(args, "--validator", ids[i].Moniker+"="+ids[i].ValidatorPubKey, "--operator", fmt.Sprintf("gk%d=%s", i, acct[fmt.Sprintf("op%d", i)]))
	}
	for _, name := range []string{"private-sale", "developers", "airdrop", "testers"} {
		args = append(args, "--"+name, acct[name].String())
	}
	ph.run(args...)
	raw, err := os.ReadFile(filepath.Join(dir, "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := os.WriteFile(filepath.Join(id.Home, "config", "genesis.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	peersOf := func(i int) string {
		var ps []string
		for j := range 5 {
			if j != i {
				ps = append(ps, fmt.Sprintf("%s@127.0.0.1:%d", ids[j].NodeID, port(j, 0)))
			}
		}
		return strings.Join(ps, ",")
	}
	startNode := func(bin string, i int, enclave bool) *proc.Process {
		a := []string{"node", "start", "--home", ids[i].Home, "--peers", peersOf(i), "--dashboard", ""}
		if enclave {
			a = append(a, "--enclave", "sim")
		}
		pr, err := proc.Start(fmt.Sprintf("gk%d", i), bin, a...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pr.Kill)
		return pr
	}
	nodes := map[int]*proc.Process{}
	for i := range 4 {
		nodes[i] = startNode(bin, i, true)
	}
	running := func() []*proc.Process {
		var out []*proc.Process
		for _, p := range nodes {
			out = append(out, p)
		}
		return out
	}
	cl, err := client.New(rpc(0))
	if err != nil {
		t.Fatal(err)
	}
	comet, err := rpchttp.New(rpc(0))
	if err != nil {
		t.Fatal(err)
	}
	wait := func(what string, cond func() bool) { t.Helper(); waitUntil(t, ctx, running(), what, cond) }
	wait("four gatekeeper enclaves holding the master key", func() bool {
		gks, err := cl.Gatekeepers(ctx)
		if err != nil || len(gks) != 4 {
			return false
		}
		for _, g := range gks {
			if q, err := cl.Get(ctx, "/store", keys.HolderKey(0, g.Identity), 0, false); err != nil || q.Value == nil {
				return false
			}
		}
		return true
	})
	balance := func(a crypto.Address) pha.Amount {
		t.Helper()
		b, _, err := cl.Balance(ctx, a, false)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// validators is CometBFT's set at the latest height, by consensus
	// address.
	validators := func() map[string]int64 {
		t.Helper()
		res, err := comet.Validators(ctx, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, v := range res.Validators {
			out[v.Address.String()] = v.VotingPower
		}
		return out
	}
	consAddr := func(i int) string { return strings.ToUpper(fmt.Sprintf("%x", ids[i].ValidatorAccount[:])) }
	candidate := func(i int) (jailed, tombstoned bool, slashed pha.Amount) {
		t.Helper()
		c, ok, err := cl.Candidate(ctx, acct[fmt.Sprintf("op%d", i)])
		if err != nil || !ok {
			t.Fatalf("candidate op%d: %v %v", i, ok, err)
		}
		return c.Jailed, c.Tombstoned, c.Slashed
	}
	decided := func(id uint64) gov.Proposal {
		t.Helper()
		var p gov.Proposal
		wait(fmt.Sprintf("proposal %d decided", id), func() bool {
			var ok bool
			p, ok, err = cl.Proposal(ctx, id)
			return err == nil && ok && !p.Status.Open()
		})
		return p
	}

	// 1. Governance. The nominator stands behind gk0 (gk3, which stops
	// below, must hold less than a third of the power). A change of
	// staking's parameters passes with three validators' stake; a text
	// proposal only the nominator votes for fails quorum; a treasury
	// spend pays the grantee.
	for i := range 4 { // the operators bonded their whole grant: fees come from the testers
		ph.run(as("tx", "send", "testers", fmt.Sprintf("op%d", i), "1000PHA")...)
	}
	ph.run(as("tx", "staking", "nominate", "nominator", "op0", "5000PHA")...)
	treasury, _, err := cl.Balance(ctx, crypto.ModuleAddress(computing.Treasury), false)
	if err != nil || treasury.IsZero() {
		t.Fatalf("the treasury holds %s (%v): fees should have reached it", treasury.PHA(), err)
	}
	grant, _ := treasury.MulDiv(pha.Units(1), pha.Units(2))
	ph.run(as("tx", "gov", "submit", "params", "op0", "staking", `{"max_validators": 7}`, "--title", "Seven validators", "--deposit", "100PHA")...)
	ph.run(as("tx", "gov", "submit", "text", "nominator", "--title", "A statement", "--deposit", "100PHA")...)
	ph.run(as("tx", "gov", "submit", "spend", "op1", "grantee", grant.Text(), "--title", "A grant", "--deposit", "100PHA")...)
	for _, v := range [][]string{{"op0", "0", "yes"}, {"op1", "0", "yes"}, {"op2", "0", "no"}, {"nominator", "1", "yes"}, {"op0", "2", "yes"}, {"op1", "2", "yes"}, {"op3", "2", "yes"}} {
		ph.run(as("tx", "gov", "vote", v[0], v[1], v[2])...)
	}
	if p := decided(0); p.Status != gov.Passed {
		t.Fatalf("the parameter change: %s, %s", p.Status, p.Reason)
	}
	if p, err := cl.StakingParams(ctx); err != nil || p.MaxValidators != 7 {
		t.Fatalf("max_validators after the change passed: %d, %v", p.MaxValidators, err)
	}
	if p := decided(1); p.Status != gov.Rejected || !strings.Contains(p.Reason, "no quorum") {
		t.Fatalf("the text proposal: %s, %s", p.Status, p.Reason)
	}
	if p := decided(2); p.Status != gov.Passed {
		t.Fatalf("the spend: %s, %s", p.Status, p.Reason)
	}
	if got := balance(acct["grantee"]); got.Cmp(grant) != 0 {
		t.Fatalf("the grantee holds %s, the grant was %s", got.PHA(), grant.PHA())
	}
	if out := ph.run("query", "gov", "proposal", "0", "--node", rpc(0)); !strings.Contains(out, "passed") || !strings.Contains(out, "yes 25,000 PHA, no 10,000 PHA") {
		t.Fatalf("query gov proposal 0:\n%s", out)
	}

	// 2. Downtime. gk3 stops; it is jailed and slashed, leaves CometBFT's
	// set, and its operator earns nothing while the others do.
	nodes[3].Kill()
	delete(nodes, 3)
	wait("gk3 jailed for downtime", func() bool { jailed, _, _ := candidate(3); return jailed })
	if _, _, slashed := candidate(3); slashed.IsZero() {
		t.Fatal("gk3 jailed without a slash")
	}
	wait("gk3 out of CometBFT's set", func() bool { _, in := validators()[consAddr(3)]; return !in })
	op3, op0 := balance(acct["op3"]), balance(acct["op0"])
	for range 3 {
		ph.run(as("tx", "send", "nominator", "grantee", "1PHA")...) // fees, which the signers share
	}
	if got := balance(acct["op3"]); got.Cmp(op3) != 0 {
		t.Fatalf("the jailed gk3's operator went from %s to %s", op3.PHA(), got.PHA())
	}
	if got := balance(acct["op0"]); !op0.Lt(got) {
		t.Fatalf("gk0's operator earned nothing from the fees: %s", got.PHA())
	}
	// gk0's nominator shares its rewards, and claims them.
	before := balance(acct["nominator"])
	if out := ph.run(as("query", "staking", "nominations", "nominator")...); !strings.Contains(out, "with 5,000 PHA, owed ") || strings.Contains(out, "owed 0 PHA") {
		t.Fatalf("the nominator is owed nothing:\n%s", out)
	}
	var claim struct {
		Fee pha.Amount `json:"fee"`
	}
	mustJSON(t, ph.run(as("tx", "staking", "claim", "nominator", "op0", "-o", "json")...), &claim)
	if got, _ := balance(acct["nominator"]).Add(claim.Fee); !before.Lt(got) { // only its claim pays it
		t.Fatalf("the nominator's claim paid nothing: %s after it and its fee %s, %s before", got.PHA(), claim.Fee.PHA(), before.PHA())
	}

	// 3. A fifth gatekeeper: op4 bonds under gk4's consensus key; its
	// node starts, its enclave registers and is handed the master key,
	// the next election takes it in, and it signs blocks.
	ph.run(as("tx", "staking", "bond", "op4", "20000PHA", ids[4].ValidatorPubKey)...)
	nodes[4] = startNode(bin, 4, true)
	wait("gk4 in CometBFT's set", func() bool { return validators()[consAddr(4)] == 20_000 })
	wait("gk4 signing blocks", func() bool {
		st, err := comet.Status(ctx)
		if err != nil {
			return false
		}
		h := st.SyncInfo.LatestBlockHeight
		c, err := comet.Commit(ctx, &h)
		if err != nil {
			return false
		}
		for _, s := range c.Commit.Signatures {
			if s.ValidatorAddress.String() == consAddr(4) && s.Signature != nil {
				return true
			}
		}
		return false
	})

	// 4. gk1 leaves: its operator unbonds everything, and at the next
	// election CometBFT's set shrinks.
	ph.run(as("tx", "staking", "unbond", "op1", "op1", "10000PHA")...)
	wait("gk1 out of CometBFT's set", func() bool { _, in := validators()[consAddr(1)]; return !in })
	if n := len(validators()); n != 3 {
		t.Fatalf("CometBFT's set has %d validators, want gk0, gk2 and gk4", n)
	}
	// Its enclave is retired: it holds no master key of the epoch the
	// rotation made without it.
	wait("the master key rotated without gk1", func() bool {
		st, err := cl.KeysStatus(ctx)
		if err != nil || st.Epochs < 2 || st.Generating {
			return false
		}
		gks, err := cl.Gatekeepers(ctx)
		if err != nil {
			return false
		}
		for _, g := range gks {
			if g.Validator != ids[1].ValidatorAccount {
				continue
			}
			if g.Lost != registry.ReasonRetired {
				return false
			}
			if q, err := cl.Get(ctx, "/store", keys.HolderKey(st.Epochs-1, g.Identity), 0, false); err != nil || q.Value != nil {
				t.Fatalf("the retired gk1 holds epoch %d (%v)", st.Epochs-1, err)
			}
		}
		return true
	})

	// 5. Two nodes with gk2's consensus key: they sign two blocks at one
	// height; the evidence slashes gk2 and jails it for good.
	nodes[5] = startNode(bin, 5, false)
	wait("gk2 caught signing twice", func() bool { _, tomb, _ := candidate(2); return tomb })
	wait("gk2 out of CometBFT's set", func() bool { _, in := validators()[consAddr(2)]; return !in })
	for _, i := range []int{2, 5} {
		nodes[i].Kill()
		delete(nodes, i)
	}

	// 6. An upgrade: every node stops at its height, saying so; started
	// with the release that implements it, they carry the chain on.
	st, err := comet.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := st.SyncInfo.LatestBlockHeight + 40
	ph.run(as("tx", "gov", "submit", "upgrade", "op0", "v2", fmt.Sprint(at), "--info", "phalanx v2", "--title", "Phalanx v2", "--deposit", "100PHA")...)
	ph.run(as("tx", "gov", "vote", "op0", "3", "yes")...)
	ph.run(as("tx", "gov", "vote", "op4", "3", "yes")...)
	if p := decided(3); p.Status != gov.Passed {
		t.Fatalf("the upgrade: %s, %s", p.Status, p.Reason)
	}
	for i, p := range nodes {
		err := p.Wait(2 * time.Minute)
		if err == nil || !strings.Contains(p.Output(), `UPGRADE "v2" NEEDED at height `+fmt.Sprint(at)) {
			var logs strings.Builder
			for j, q := range nodes {
				out := q.Output()
				fmt.Fprintf(&logs, "--- gk%d (exited %v: %v)\n%s\n", j, q.Exited(), q.Err(), out[max(0, len(out)-4000):])
			}
			t.Fatalf("gk%d at the upgrade (height %d): %v\n%s", i, at, err, logs.String())
		}
	}
	for i := range nodes {
		nodes[i] = startNode(upgraded, i, true)
	}
	wait("blocks past the upgrade", func() bool {
		st, err := comet.Status(ctx)
		return err == nil && st.SyncInfo.LatestBlockHeight > at+2
	})
	if out := nodes[0].Output(); !strings.Contains(out, "upgrade applied") {
		t.Fatalf("gk0 with the new release:\n%s", out)
	}
}
