package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/internal/syncbuf"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/wasm/gobuild"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

// run runs the phalanx command in-process and returns its output.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := testRootCmd(strings.NewReader(stdin), &out, &errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String() + errOut.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, "", args...)
	if err != nil {
		t.Fatalf("phalanx %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestCLIAgainstDevnet drives the commands a user runs after
// `phalanx devnet`, against a one-gatekeeper devnet in this process.
func TestCLIAgainstDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	// The test runs the devnet from another folder: the samples by their
	// absolute path.
	collateral, err := filepath.Abs(teeCollaterals + "tdx-dcap-qvl-1.collateral.json")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	vault, err := gobuild.Module("../../examples/vault")
	if err != nil {
		t.Fatal(err)
	}
	// The devnet as a user starts it, from a folder outside the
	// repository: it builds the example contracts from the sources in the
	// binary, deploys them and has its cluster 0.
	d := startDevnetCmd(t, ctx, home)
	defer func() {
		if err := d.Stop(); err != nil {
			t.Error(err)
		}
	}()
	if out := d.out.String(); !strings.Contains(out, "Building the vault example contract...") || !strings.Contains(out, "Cluster 0: 1 workers") {
		t.Fatalf("phalanx devnet printed:\n%s", out)
	}
	if info := d.Info(); len(info.Contracts) != 2 || info.Contracts[0].Name != "vault" || info.Contracts[1].Name != "auction" ||
		len(info.Clusters) != 1 || info.Clusters[0].ID != 0 || info.Contracts[0].Cluster != 0 {
		t.Fatalf("devnet.json contracts %+v, clusters %+v", info.Contracts, info.Clusters)
	}
	h := "--home=" + home

	// The devnet's worker is registered, and the listing says it is sim.
	wid := d.Info().Workers[0].ID.String()
	if out := mustRun(t, "query", "workers", h); !strings.Contains(out, wid) || !strings.Contains(out, "sim*") || !strings.Contains(out, "development only") {
		t.Fatalf("query workers: %s", out)
	}
	if out := mustRun(t, "query", "worker", wid, "--prove", h); !strings.Contains(out, "protects nothing") || !strings.Contains(out, d.Info().Workers[0].Operator.String()) ||
		!strings.Contains(out, "computing:     idle, P ") || !strings.Contains(out, "earned:") ||
		!strings.Contains(out, "standing        yes") || !strings.Contains(out, "unless it re-attests") {
		t.Fatalf("query worker: %s", out)
	}
	// The devnet started its worker computing; its operator can stop it.
	if out, err := run(t, "", "tx", "reclaim-stake", "w0-operator", wid, h); err == nil || !strings.Contains(err.Error()+out, "not in a state") {
		t.Errorf("reclaim while computing: %v %s", err, out)
	}
	if out, err := run(t, "", "tx", "stop-computing", "alice", wid, h); err == nil || !strings.Contains(err.Error()+out, "not the worker's operator") {
		t.Errorf("stop by a stranger: %v %s", err, out)
	}

	// A transfer between dev keys, waited for and printed as JSON.
	var res struct {
		Hash    string `json:"hash"`
		Height  int64  `json:"height"`
		Code    uint32 `json:"code"`
		GasUsed int64  `json:"gas_used"`
		Fee     string `json:"fee"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "tx", "send", "alice", "bob", "12.5PHA", h, "-o", "json")), &res); err != nil {
		t.Fatal(err)
	}
	if res.Code != 0 || res.Height == 0 || res.GasUsed == 0 || res.Fee == "0" {
		t.Fatalf("send result %+v", res)
	}
	if out := mustRun(t, "query", "balance", "bob", h, "--prove"); !strings.Contains(out, "1,000,012.5 PHA") || !strings.Contains(out, "Merkle proof checked") {
		t.Fatalf("balance: %s", out)
	}
	if out := mustRun(t, "query", "tx", res.Hash, h); !strings.Contains(out, "bank/send") || !strings.Contains(out, "succeeded") {
		t.Fatalf("query tx: %s", out)
	}
	if out := mustRun(t, "query", "supply", h); !strings.Contains(out, "1,000,000,000 PHA") || !regexp.MustCompile(`Reward pool +(700,000,000|699,99\d,\d{3}\.?\d*) PHA`).MatchString(out) {
		t.Fatalf("supply: %s", out)
	}
	var st statusOut
	if err := json.Unmarshal([]byte(mustRun(t, "status", h, "-o", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.ChainID != "phalanx-devnet" || st.Height < res.Height || st.Validators != 1 {
		t.Fatalf("status %+v", st)
	}
	if out := mustRun(t, "status", h); !strings.Contains(out, "Collateral none stored") {
		t.Errorf("status without collateral:\n%s", out)
	}
	if out := mustRun(t, "query", "collateral", h); !strings.Contains(out, "Collateral none stored") {
		t.Errorf("query collateral:\n%s", out)
	}
	if out, err := run(t, "", "query", "collateral", "tdx/fmspc/B0C06F000000", h); err == nil || !strings.Contains(err.Error(), "no collateral stored for tdx/fmspc/B0C06F000000") {
		t.Errorf("query collateral of a scope without: %v\n%s", err, out)
	}
	// Collateral reaches the chain, which checks it at the block time:
	// Intel's set of June 2025 has expired.
	if out, err := run(t, "", "tee", "collateral", "submit", collateral, "--from", "alice", h); err == nil || !strings.Contains(err.Error(), "(tee/3)") {
		t.Errorf("submitting expired collateral: %v\n%s", err, out)
	}

	// Refusals come back as errors a person can read.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tx", "send", "alice", "bob", "99999999PHA"}, "insufficient funds"},
		{[]string{"tx", "send", "alice", "bob", "1PHA", "--gas-price", "1"}, "below the chain's minimum"},
		{[]string{"tx", "send", "alice", "nobody", "1PHA"}, "neither an address"},
		{[]string{"tx", "send", "alice", "bob", "12"}, "needs its unit"},
		{[]string{"query", "tx", "00"}, "not a transaction hash"},
		{[]string{"query", "worker", "00"}, "worker id"},
		{[]string{"query", "worker", strings.Repeat("ab", 32)}, "no such enclave"},
	} {
		out, err := run(t, "", append(c.args, h)...)
		if err == nil || !strings.Contains(err.Error()+out, c.want) {
			t.Errorf("phalanx %v: err %v, output %q; want %q", c.args, err, out, c.want)
		}
	}

	// Confidential contracts: the devnet's vault by name, a command and a
	// query, and the same code uploaded and instantiated again by hand.
	var out struct {
		Status uint8  `json:"status"`
		Data   []byte `json:"data"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "contract", "call", "alice", "vault", "deposit", "7", h, "-o", "json")), &out); err != nil || out.Status != 0 {
		t.Fatalf("contract call: %+v, %v", out, err)
	}
	if o := mustRun(t, "contract", "query", "alice", "vault", "my_balance", h); !strings.Contains(o, "Output: 7") {
		t.Fatalf("contract query: %s", o)
	}
	if o := mustRun(t, "contract", "call", "bob", "vault", "my_balance", h); !strings.Contains(o, "Output: 0") || !strings.Contains(o, "ok") {
		t.Fatalf("bob's balance: %s", o)
	}
	if o, err := run(t, "", "contract", "call", "bob", "vault", "withdraw", "3", h); err == nil || !strings.Contains(err.Error(), "the command failed: contract error: insufficient balance") {
		t.Fatalf("withdraw beyond the balance: %v\n%s", err, o)
	}
	if o := mustRun(t, "cluster", "show", h); !strings.Contains(o, "Cluster 0") || !strings.Contains(o, wid) {
		t.Fatalf("cluster show: %s", o)
	}
	// The owner adds and removes workers; the chain's refusals come through.
	if o, err := run(t, "", "cluster", "add-worker", "bob", "0", wid, h); err == nil || !strings.Contains(err.Error(), "contracts/3") {
		t.Fatalf("add-worker by a stranger: %v\n%s", err, o)
	}
	// The devnet's cluster 0 belongs to its "developers" key.
	if o, err := run(t, "", "cluster", "add-worker", "developers", "0", wid, h); err == nil || !strings.Contains(err.Error(), "is already in cluster 0") {
		t.Fatalf("add-worker of a member: %v\n%s", err, o)
	}
	if o, err := run(t, "", "cluster", "remove-worker", "developers", "0", wid, h); err == nil || !strings.Contains(err.Error(), "would have no worker left") {
		t.Fatalf("remove-worker of the last worker: %v\n%s", err, o)
	}
	if o := mustRun(t, "cluster", "show", "0", h); !strings.Contains(o, "key epoch 0 generation 0") {
		t.Fatalf("cluster show after refused changes: %s", o)
	}
	if o, err := run(t, "", "cluster", "remove-worker", "alice", "0", "zz", h); err == nil || !strings.Contains(err.Error(), "worker id") {
		t.Fatalf("remove-worker with a bad id: %v\n%s", err, o)
	}
	// A minimum size above the workers a cluster starts with is refused.
	if o, err := run(t, "", "cluster", "create", "alice", "--workers", wid, "--min-workers", "2", h); err == nil || !strings.Contains(err.Error(), "contracts/16") {
		t.Fatalf("a cluster of one worker with a minimum of two: %v\n%s", err, o)
	}
	file := filepath.Join(t.TempDir(), "vault.wasm")
	if err := os.WriteFile(file, vault, 0o644); err != nil {
		t.Fatal(err)
	}
	// Code stored already is not sent again, and costs nothing.
	if up := mustRun(t, "contract", "upload", "alice", file, h); !strings.Contains(up, "Uploaded") {
		t.Fatalf("upload: %s", up)
	}
	balance := func() string {
		o := mustRun(t, "query", "balance", "alice", h)
		return o[:strings.Index(o, " (state at")]
	}
	balBefore := balance()
	if up := mustRun(t, "contract", "upload", "alice", file, h); !strings.Contains(up, "is stored already as code") || !strings.Contains(up, "nothing paid") {
		t.Fatalf("upload of stored code: %s", up)
	}
	if after := balance(); after != balBefore {
		t.Fatalf("uploading stored code cost alice: %s -> %s", balBefore, after)
	}
	var up struct {
		Code   string `json:"code"`
		Stored bool   `json:"stored"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "contract", "upload", "alice", file, h, "-o", "json")), &up); err != nil || !up.Stored {
		t.Fatalf("upload -o json: %+v %v", up, err)
	}
	code := up.Code
	if o := mustRun(t, "contract", "instantiate", "alice", code, "--cluster", "0", "--salt", "second", "--name", "vault2", h); !strings.Contains(o, "is ready") {
		t.Fatalf("instantiate: %s", o)
	}
	if o := mustRun(t, "contract", "show", h); !strings.Contains(o, "vault2") || !strings.Contains(o, "vault") {
		t.Fatalf("contract show: %s", o)
	}
	// The name given at instantiation calls, queries and shows the
	// contract; no ARG is empty input, the argument's zero value.
	mustRun(t, "contract", "call", "alice", "vault2", "deposit", "5", h)
	if o := mustRun(t, "contract", "query", "alice", "vault2", "my_balance", h); !strings.Contains(o, "Output: 5") {
		t.Fatalf("query by on-chain name: %s", o)
	}
	if o := mustRun(t, "contract", "show", "vault2", h); !strings.Contains(o, " vault2\n") || strings.Count(o, "Contract ") != 1 {
		t.Fatalf("contract show vault2: %s", o)
	}
	if o, err := run(t, "", "contract", "call", "alice", "vault2", "deposit", h); err == nil || !strings.Contains(err.Error()+o, "deposit of zero") {
		t.Fatalf("deposit with no ARG: %v\n%s", err, o)
	}
	// A name two contracts share is refused, with both ids.
	if o := mustRun(t, "contract", "instantiate", "alice", code, "--salt", "third", "--name", "vault2", h); !strings.Contains(o, "is ready") {
		t.Fatalf("instantiate: %s", o)
	}
	var twins []string
	for _, ct := range mustContracts(t, h) {
		if ct.Name == "vault2" {
			twins = append(twins, ct.ID)
		}
	}
	if o, err := run(t, "", "contract", "call", "alice", "vault2", "my_balance", h); err == nil || len(twins) != 2 ||
		!strings.Contains(err.Error(), `2 contracts on chain are named "vault2"`) || !strings.Contains(err.Error(), twins[0]) || !strings.Contains(err.Error(), twins[1]) {
		t.Fatalf("a shared name: %v\n%s", err, o)
	}

	t.Run("a contract module outside the repository", func(t *testing.T) { testContractOutside(t, h) })
	failuresCarryTheirReason(t, h, d.out)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"contract", "call", "alice", "nosuch", "m"}, "neither a contract id"},
		{[]string{"contract", "call", "alice", "vault", "deposit", "1", "--gas", "10"}, "gas limit out of range"},
		{[]string{"contract", "instantiate", "alice", strings.Repeat("ab", 32)}, "no such code"},
	} {
		out, err := run(t, "", append(c.args, h)...)
		if err == nil || !strings.Contains(err.Error()+out, c.want) {
			t.Errorf("phalanx %v: err %v, output %q; want %q", c.args, err, out, c.want)
		}
	}

	// Stake pools (the devnet made pool 0 for its worker): create,
	// delegate, withdraw from free stake, refusals.
	mustRun(t, "tx", "pool", "create", "alice", "--commission", "10", h)
	mustRun(t, "tx", "pool", "delegate", "bob", "1", "100PHA", h)
	if o := mustRun(t, "query", "pool", "1", h); !strings.Contains(o, "commission 10%") || !strings.Contains(o, "stake 100 PHA (free 100 PHA)") {
		t.Fatalf("query pool: %s", o)
	}
	mustRun(t, "tx", "pool", "withdraw", "bob", "1", "40PHA", h)
	if o := mustRun(t, "query", "pools", h); !strings.Contains(o, "Pool 1") || !strings.Contains(o, "stake 60 PHA") {
		t.Fatalf("query pools: %s", o)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tx", "pool", "withdraw", "bob", "1", "61PHA"}, "larger than the delegator's stake"},
		{[]string{"tx", "pool", "claim", "bob", "0"}, "nothing to claim"},
		{[]string{"tx", "pool", "create", "alice", "--commission", "101"}, "between 0 and 100"},
		{[]string{"tx", "pool", "add-worker", "alice", "1", wid}, "not the pool's owner"},
	} {
		out, err := run(t, "", append(c.args, h)...)
		if err == nil || !strings.Contains(err.Error()+out, c.want) {
			t.Errorf("phalanx %v: err %v, output %q; want %q", c.args, err, out, c.want)
		}
	}

	// Staking: alice stands under a consensus key of her own, bob
	// nominates her; the genesis validator stays the validator (alice has
	// no enclave, and one candidate is fewer than min_validators); bob
	// unbonds.
	cons := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if out, err := run(t, "", "tx", "staking", "bond", "alice", "5000PHA", cons, h); err == nil || !strings.Contains(err.Error()+out, "below min_self_bond") {
		t.Errorf("a bond below the minimum: %v %s", err, out)
	}
	mustRun(t, "tx", "staking", "bond", "alice", "20000PHA", cons, h)
	mustRun(t, "tx", "staking", "nominate", "bob", "alice", "5000PHA", h)
	var cands []struct {
		Operator  string     `json:"operator"`
		SelfBond  pha.Amount `json:"self_bond"`
		Nominated pha.Amount `json:"nominated"`
		Appointed bool       `json:"appointed"`
		Power     int64      `json:"power"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "query", "staking", "validators", "-o", "json", h)), &cands); err != nil {
		t.Fatal(err)
	}
	var sawAlice, sawGenesis bool
	for _, c := range cands {
		switch {
		case c.Appointed:
			sawGenesis = c.Power > 0 && c.SelfBond.Cmp(devnet.SelfBond) == 0 && c.Nominated.Cmp(devnet.Nomination) == 0
		case c.Power == 0 && c.SelfBond.Cmp(pha.Tokens(20_000)) == 0 && c.Nominated.Cmp(pha.Tokens(5_000)) == 0:
			sawAlice = true
		}
	}
	if !sawAlice || !sawGenesis || len(cands) != 2 {
		t.Errorf("query staking validators: %+v", cands)
	}
	if out := mustRun(t, "query", "staking", "nominations", "bob", h); !strings.Contains(out, "with 5,000 PHA") {
		t.Errorf("query staking nominations bob:\n%s", out)
	}
	mustRun(t, "tx", "staking", "unbond", "bob", "alice", "5000PHA", h)
	if out := mustRun(t, "query", "staking", "nominations", "bob", h); !strings.Contains(out, "No nominations.") {
		t.Errorf("after the unbonding:\n%s", out)
	}

	// The council rotates the master key: the gatekeeper's enclave makes
	// epoch 1; a stranger cannot.
	if out, err := run(t, "", "tx", "rotate-master-key", "alice", h); err == nil || !strings.Contains(err.Error()+out, "not the council") {
		t.Errorf("rotation by alice: %v %s", err, out)
	}
	mustRun(t, "tx", "rotate-master-key", "developers", h)
	cl, err := client.New(d.Info().Gatekeepers[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	for {
		st, err := cl.KeysStatus(ctx)
		if err == nil && st.Epochs == 2 && !st.Generating {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no epoch 1 after the rotation: %+v, %v", st, err)
		case <-time.After(100 * time.Millisecond):
		}
	}

	// Nothing listens here: the error says so, and only here.
	if _, err := run(t, "", "status", "--node", "127.0.0.1:1", h); err == nil || !strings.Contains(err.Error(), "no node answers at 127.0.0.1:1") {
		t.Errorf("status against nothing: %v", err)
	}
	// What a running node does not have is not found, without the hint.
	missing := strings.Repeat("ab", 32)
	for _, args := range [][]string{
		{"query", "tx", missing},
		{"query", "worker", missing},
		{"query", "pool", "99"},
		{"contract", "show", missing},
		{"cluster", "show", "99"},
	} {
		out, err := run(t, "", append(args, h)...)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "not found") && !strings.Contains(err.Error(), "no such") || strings.Contains(err.Error(), "no node answers") {
			t.Errorf("phalanx %v: %v %s; want not found, without the hint", args, err, out)
		}
	}
	// --node takes host:port as well as a URL.
	rpc := strings.TrimPrefix(d.Info().Gatekeepers[0].RPC, "http://")
	if out := mustRun(t, "status", "--node", rpc, h); !strings.Contains(out, "phalanx-devnet") {
		t.Errorf("status --node %s: %s", rpc, out)
	}
	if _, err := run(t, "", "status", "--node", "ftp://"+rpc, h); err == nil || !strings.Contains(err.Error(), "want host:port") {
		t.Errorf("status --node ftp://: %v", err)
	}
	// An amount that once meant something else is refused before signing.
	before := mustRun(t, "query", "account", "alice", h, "-o", "json")
	for _, amt := range []string{"1,5PHA", ",5PHA", "1,0,0PHA", "12.5pha", "1e3PHA"} {
		if out, err := run(t, "", "tx", "send", "alice", "bob", amt, h); err == nil || !strings.Contains(err.Error(), "bad amount") {
			t.Errorf("tx send %s: %v %s", amt, err, out)
		}
	}
	if after := mustRun(t, "query", "account", "alice", h, "-o", "json"); after != before {
		t.Errorf("refused amounts changed alice's account: %s -> %s", before, after)
	}
}

// failuresCarryTheirReason deploys the runtime's probe contract and a
// variant whose initialization panics: a panicking command and query, one
// out of gas and the failed contract are reported with their reason, in
// text and JSON, and what the contract said reaches its caller but not
// the logs.
func failuresCarryTheirReason(t *testing.T, h string, logs *syncbuf.Buffer) {
	t.Helper()
	probe, err := wasmtest.Probe()
	if err != nil {
		t.Fatal(err)
	}
	broken, err := wasmtest.ProbeWithInit(probe, wasmtest.InitPanic)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	upload := func(name string, mod []byte) string {
		t.Helper()
		file := filepath.Join(dir, name+".wasm")
		if err := os.WriteFile(file, mod, 0o644); err != nil {
			t.Fatal(err)
		}
		var up struct{ Code string }
		if err := json.Unmarshal([]byte(mustRun(t, "contract", "upload", "alice", file, h, "-o", "json")), &up); err != nil {
			t.Fatal(err)
		}
		return up.Code
	}
	var probeCt struct{ ID string }
	if err := json.Unmarshal([]byte(mustRun(t, "contract", "instantiate", "alice", upload("probe", probe), "--name", "probe", h, "-o", "json")), &probeCt); err != nil {
		t.Fatal(err)
	}

	const secret = "the secret is 4242"
	for _, c := range []struct {
		args []string
		want string
	}{
		// No ARG is empty input: the probe indexes at len(input)+5.
		{[]string{"contract", "call", "alice", probeCt.ID, "index"}, "the command failed: panic: runtime error: index out of range [5] with length 3"},
		{[]string{"contract", "call", "alice", probeCt.ID, "panic", secret}, `the command failed: panic: "` + secret + `"`},
		{[]string{"contract", "call", "alice", probeCt.ID, "loop", "--gas", "1000000"}, "the command failed: out of gas: used 1000000 of 1000000"},
		{[]string{"contract", "call", "alice", probeCt.ID, "bigemit"}, "the command failed: output too large: more than 65536 bytes"},
		{[]string{"contract", "query", "alice", probeCt.ID, "panic", secret}, `the query failed: panic: "` + secret + `"`},
		{[]string{"contract", "query", "alice", probeCt.ID, "bigvalue"}, "the query failed: value too large: more than 65536 bytes"},
	} {
		out, err := run(t, "", append(c.args, h)...)
		if err == nil || err.Error() != c.want {
			t.Errorf("phalanx %v: err %v, want %q\n%s", c.args, err, c.want, out)
		}
	}
	var out struct {
		Status uint8  `json:"status"`
		Text   string `json:"status_text"`
		Error  string `json:"error"`
	}
	o, _ := run(t, "", "contract", "call", "alice", probeCt.ID, "index", h, "-o", "json")
	if err := json.Unmarshal([]byte(o), &out); err != nil || out.Status != 6 || out.Text != "panic" ||
		out.Error != "panic: runtime error: index out of range [5] with length 3" {
		t.Errorf("contract call -o json: %+v, %v\n%s", out, err, o)
	}
	o, _ = run(t, "", "contract", "query", "alice", probeCt.ID, "loop", h, "-o", "json")
	if err := json.Unmarshal([]byte(o), &out); err != nil || out.Status != 2 || out.Text != "out of gas" || !strings.HasPrefix(out.Error, "out of gas: used ") {
		t.Errorf("contract query -o json: %+v, %v\n%s", out, err, o)
	}

	// A contract whose initialization panics: instantiate says so at
	// once, show says so, and the client refuses to call it.
	const reason = "init failed: panic: the probe's init panics on purpose"
	code := upload("broken", broken)
	start := time.Now()
	o, err = run(t, "", "contract", "instantiate", "alice", code, "--name", "broken", h)
	if err == nil || !strings.HasSuffix(err.Error(), "failed to instantiate: "+reason) {
		t.Fatalf("instantiate a contract whose init panics: %v\n%s", err, o)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the failed instantiation took %v to report", d)
	}
	var list []struct {
		ID, Name, Error string
		Status          uint8
	}
	if err := json.Unmarshal([]byte(mustRun(t, "contract", "show", h, "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	var brokenID string
	for _, ct := range list {
		if ct.Name == "broken" {
			brokenID = ct.ID
			if ct.Status != 13 || ct.Error != "panic: the probe's init panics on purpose" {
				t.Errorf("the failed contract's record: %+v", ct)
			}
		}
	}
	if o := mustRun(t, "contract", "show", brokenID, h); !strings.Contains(o, "failed: "+reason) || strings.Contains(o, "ready") {
		t.Errorf("contract show of the failed contract: %s", o)
	}
	if o, err := run(t, "", "contract", "call", "alice", brokenID, "echo", h); err == nil || !strings.Contains(err.Error(), reason) {
		t.Errorf("a call to the failed contract: %v\n%s", err, o)
	}

	// The worker logged each failure's kind and public numbers, never
	// what the contract said.
	waitLog := func(what string, want ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			all := true
			for _, w := range want {
				all = all && bytes.Contains(logs.Bytes(), []byte(w))
			}
			if all {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("the logs lack %s: %q", what, want)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitLog("the failed command", `msg="command failed"`, "status=panic", `reason="out of gas: used 1000000 of 1000000"`)
	waitLog("the failed query", `msg="query failed"`, `reason="value too large: more than 65536 bytes"`)
	waitLog("the failed instantiation", `msg="contract instantiation failed"`, reason)
	if bytes.Contains(logs.Bytes(), []byte(secret)) || bytes.Contains(logs.Bytes(), []byte("index out of range")) {
		t.Error("the logs hold what a contract said in a call")
	}
}

func TestKeysCommands(t *testing.T) {
	home := t.TempDir()
	h := "--home=" + home
	t.Setenv(passphraseEnv, "correct horse")
	out := mustRun(t, "keys", "add", "carol", h)
	if !strings.Contains(out, "pha1") || !strings.Contains(out, "keys export carol") {
		t.Fatalf("keys add: %s", out)
	}
	var keys []struct{ Name, Address string }
	if err := json.Unmarshal([]byte(mustRun(t, "keys", "list", h, "-o", "json")), &keys); err != nil || len(keys) != 1 || keys[0].Name != "carol" {
		t.Fatalf("keys list: %v %+v", err, keys)
	}
	addr := strings.TrimSpace(mustRun(t, "keys", "show", "carol", "--address", h))
	if addr != keys[0].Address {
		t.Fatalf("show --address %q, list %q", addr, keys[0].Address)
	}

	// Export from the file keyring, import into a test keyring elsewhere,
	// with the passphrases typed on standard input.
	t.Setenv(passphraseEnv, "") // empty: not set, so the prompts read stdin
	armored, err := run(t, "correct horse\nexport pass\nexport pass\n", "keys", "export", "carol", h)
	if err != nil {
		t.Fatalf("export: %v %s", err, armored)
	}
	if strings.Contains(armored, "correct horse") || !strings.Contains(armored, "BEGIN AGE ENCRYPTED FILE") {
		t.Fatalf("export output: %s", armored)
	}
	other := "--home=" + t.TempDir()
	out, err = run(t, armored+"export pass\n", "keys", "import", "carol2", "-", other, "--keyring-backend", "test")
	if err != nil || !strings.Contains(out, addr) {
		t.Fatalf("import: %v %s", err, out)
	}
	if _, err := run(t, armored+"wrong\n", "keys", "import", "carol3", "-", other, "--keyring-backend", "test"); err == nil {
		t.Fatal("import with a wrong passphrase succeeded")
	}
	if _, err := run(t, "wrong passphrase\n", "keys", "export", "carol", h); err == nil {
		t.Fatal("export with a wrong keyring passphrase succeeded")
	}
	if _, err := run(t, "", "keys", "show", "nobody", h); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("show unknown key: %v", err)
	}
	if out, err := run(t, "n\n", "keys", "delete", "carol2", other, "--keyring-backend", "test"); err == nil {
		t.Fatalf("delete without confirmation: %s", out)
	}
	mustRun(t, "keys", "delete", "carol2", other, "--keyring-backend", "test", "--yes")
}

func TestContractBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Go toolchain")
	}
	out := filepath.Join(t.TempDir(), "add.wasm")
	if msg := mustRun(t, "contract", "build", "testdata/contract", "--out", out); !strings.Contains(msg, "Built") {
		t.Fatalf("output: %s", msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x00asm")) {
		t.Fatalf("%s is not a Wasm module", out)
	}
	if _, err := run(t, "", "contract", "build", "testdata/no-such-dir"); err == nil {
		t.Fatal("building a missing directory succeeded")
	}
}

// swallowBroadcasts is an RPC proxy in front of target that breaks the
// connection off, without an answer, on every broadcast, as a node that
// dies while it takes one does; it forwards everything else.
func swallowBroadcasts(t *testing.T, target string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Method string `json:"method"`
		}
		json.Unmarshal(body, &req)
		var res *http.Response
		var err error
		if req.Method != "broadcast_tx_sync" {
			res, err = http.Post(target, "application/json", bytes.NewReader(body))
		}
		if res == nil || err != nil {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		defer res.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		io.Copy(w, res.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestCLIUnknownOutcome: a transaction whose outcome the CLI cannot know
// is reported as unknown, with its hash, the commands that settle it and
// exit status 3, never as failed; `tx resend` sends the same bytes, which
// apply once; --node defaults to every gatekeeper of the devnet and fails
// over.
func TestCLIUnknownOutcome(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A mempool cache of one transaction: the next transaction evicts a
	// committed one, as a busy node's cache does.
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 2, BlockTime: 200 * time.Millisecond,
		Tune: func(c *cmtcfg.Config) { c.Mempool.CacheSize = 1 }})
	home := d.Home
	h := "--home=" + home
	var account struct {
		Nonce uint64 `json:"nonce"`
	}
	mustJSON(t, mustRun(t, "query", "account", "alice", h, "-o", "json"), &account)
	nonce := account.Nonce
	bobBefore := mustRun(t, "query", "balance", "bob", h)

	// The only node named breaks every broadcast off.
	proxy := swallowBroadcasts(t, d.Info.Gatekeepers[0].RPC)
	out, err := run(t, "", "tx", "send", "alice", "bob", "3PHA", h, "--node", proxy)
	var u *client.UnknownError
	if !errors.As(err, &u) || exitCode(err) != exitUnknown {
		t.Fatalf("send through a node that hangs up: exit %d, %v\n%s", exitCode(err), err, out)
	}
	hash := fmt.Sprintf("%X", u.Hash)
	msg := err.Error()
	for _, want := range []string{
		"the outcome of transaction " + hash + " is unknown: ",
		"it may still be committed",
		"Look it up with: phalanx query tx " + hash + " --home " + home + " --node " + proxy,
		"phalanx tx resend " + hash + " --home " + home + " --node " + proxy,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the unknown outcome does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(strings.ToLower(msg), "failed") || strings.Contains(msg, "no node answers") {
		t.Errorf("an unknown outcome reported as a failure:\n%s", msg)
	}
	saved := filepath.Join(home, "unconfirmed", hash+".tx")
	raw, err := os.ReadFile(saved)
	if err != nil {
		t.Fatalf("the signed bytes were not kept: %v", err)
	}
	if o, err := run(t, "", "query", "tx", hash, h); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("the swallowed transaction is on chain: %v\n%s", err, o)
	}
	// With -o json the unknown outcome is printed too, for scripts. (The
	// same transaction: alice's nonce has not moved, so the bytes are equal.)
	var asJSON struct{ Hash, Outcome, Saved string }
	o, err := run(t, "", "tx", "send", "alice", "bob", "3PHA", h, "--node", proxy, "-o", "json")
	if exitCode(err) != exitUnknown || json.Unmarshal([]byte(o), &asJSON) != nil || asJSON.Outcome != "unknown" || asJSON.Hash != hash ||
		asJSON.Saved != saved {
		t.Fatalf("send -o json through a node that hangs up: %v\n%s", err, o)
	}

	// Resent to the devnet's gatekeepers: committed once.
	if o := mustRun(t, "tx", "resend", hash, h); !strings.Contains(o, "Committed in block") || !strings.Contains(o, strings.ToLower(hash)) {
		t.Fatalf("tx resend: %s", o)
	}
	if _, err := os.Stat(saved); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the kept bytes of a committed transaction are still there: %v", err)
	}
	// The same bytes from a file once more: shown, not applied again; also
	// once another transaction pushed them out of the nodes' caches, so
	// that the nodes refuse them for their spent nonce.
	file := filepath.Join(t.TempDir(), "signed.tx")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if o := mustRun(t, "tx", "resend", file, h); !strings.Contains(o, "had this transaction already (it applies once): this is its outcome") {
		t.Fatalf("tx resend of committed bytes: %s", o)
	}
	mustRun(t, "tx", "send", "alice", "carol", "1PHA", h)
	if o := mustRun(t, "tx", "resend", file, h); !strings.Contains(o, "had this transaction already (it applies once): this is its outcome") ||
		!strings.Contains(o, strings.ToLower(hash)) {
		t.Fatalf("tx resend of committed bytes no longer in a cache: %s", o)
	}
	mustJSON(t, mustRun(t, "query", "account", "alice", h, "-o", "json"), &account)
	bobAfter := mustRun(t, "query", "balance", "bob", h)
	if account.Nonce != nonce+2 || !strings.Contains(bobBefore, "1,000,000 PHA") || !strings.Contains(bobAfter, "1,000,003 PHA") {
		t.Fatalf("alice's nonce %d -> %d (want +2: the transfer to bob and one to carol); bob: %q -> %q; want one transfer of 3 PHA", nonce, account.Nonce, bobBefore, bobAfter)
	}
	if o, err := run(t, "", "tx", "resend", hash, h); err == nil || !strings.Contains(err.Error(), "no signed transaction "+hash+" is kept") {
		t.Fatalf("resend of a hash not kept: %v\n%s", err, o)
	}

	// gk0 down: the default nodes are both gatekeepers, and gk1 answers.
	if err := d.StopGatekeeper(0); err != nil {
		t.Fatal(err)
	}
	if o := mustRun(t, "query", "balance", "bob", h); !strings.Contains(o, "1,000,003 PHA") {
		t.Fatalf("balance with gk0 down: %s", o)
	}
	// The hint names every node tried, and only when none answers.
	if _, err := run(t, "", "status", "--node", "127.0.0.1:1,127.0.0.1:2", h); err == nil || !strings.Contains(err.Error(), "no node answers at 127.0.0.1:1, 127.0.0.1:2") {
		t.Errorf("status against nothing: %v", err)
	}
	if _, err := run(t, "", "status", "--node", "127.0.0.1:1", "--node", d.Info.Gatekeepers[1].RPC, h); err != nil {
		t.Errorf("status with a repeated --node, the first dead: %v", err)
	}
	if exitCode(errors.New("refused")) != 1 {
		t.Error("a failure does not exit with 1")
	}
}
