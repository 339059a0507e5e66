//go:build phalanxliar

package devnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

// TestLiarIsOutvotedRemovedAndSlashed runs a devnet whose cluster has
// three real workers, one of which flips a byte of every call's output
// (the fault-injection build: go test -tags phalanxliar ./devnet -run
// Liar). The caller gets the honest majority's result; the liar is named,
// removed from the cluster, and loses slash_wrong_result of its stake,
// which its stake pool carries.
func TestLiarIsOutvotedRemovedAndSlashed(t *testing.T) {
	vault, err := wasmtest.Build("../examples/vault")
	if err != nil {
		t.Fatal(err)
	}
	// A result timeout of 45 s (a new cluster needs its key and the
	// compiled code before its first result), so the split below closes
	// in under a minute.
	cp := contracts.DefaultParams()
	cp.ResultTimeout = 45
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 1, Workers: 3, BlockTime: 100 * time.Millisecond,
		Contracts: []devnet.Contract{{Name: "vault", Wasm: vault}}, ContractsParams: &cp})
	info, cl := n.Info, n.Client
	alice := n.Key(t, "testers")
	if len(info.Contracts) != 1 {
		t.Fatalf("contracts %+v", info.Contracts)
	}
	vc := info.Contracts[0]
	first, err := cl.WaitContractKey(ctx, vc.ID, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	liar := info.Workers[2].ID
	before, err := cl.ComputingWorker(ctx, liar)
	if err != nil || before.Stake.IsZero() {
		t.Fatalf("the liar's record %+v, %v", before, err)
	}
	enclave.Lie(liar)

	call := func(method string, args any) *client.Output {
		t.Helper()
		raw, _ := json.Marshal(args)
		cmd, err := cl.Call(ctx, alice, vc.ID, method, raw, 50_000_000)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		out, err := cl.Wait(ctx, cmd, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return out
	}
	if out := call("deposit", 77); out.Status != contracts.StatusOK {
		t.Fatalf("deposit: %+v", out)
	}
	var c contracts.Cluster
	devnettest.WaitFor(t, ctx, "the liar's removal", func() bool {
		c, err = cl.Cluster(ctx, vc.Cluster)
		return err == nil && len(c.Workers) == 2
	})
	if c.Has(liar) {
		t.Fatalf("the cluster kept the liar and lost an honest worker: %v", c.Workers)
	}
	// The liar's removal began a new generation of the cluster's key,
	// sent to the two workers left only: they rekeyed the contract, and a
	// call sealed to its new key runs.
	rekeyed, err := cl.WaitContractKey(ctx, vc.ID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyGen != 1 || rekeyed.KeyGen != 1 || bytes.Equal(rekeyed.PublicKey, first.PublicKey) {
		t.Fatalf("after the removal: cluster generation %d, contract generation %d, new key %v",
			c.KeyGen, rekeyed.KeyGen, !bytes.Equal(rekeyed.PublicKey, first.PublicKey))
	}
	// Out of the cluster, the liar answers no query on its contracts: it
	// no longer follows their state.
	lq, err := cl.NewQueryClient(ctx, liar, info.Workers[2].Query, alice)
	if err != nil {
		t.Fatal(err)
	}
	devnettest.WaitFor(t, ctx, "the removed worker to refuse queries", func() bool {
		_, err := lq.Query(ctx, vc.ID, "my_balance", []byte("{}"))
		var qe *client.QueryError
		return errors.As(err, &qe) && qe.Status == http.StatusNotFound && strings.Contains(qe.Message, "this worker left cluster")
	})
	// The honest majority's output decrypts; the two left still agree.
	if out := call("my_balance", struct{}{}); out.Status != contracts.StatusOK || string(out.Data) != "77" {
		t.Fatalf("my_balance: %+v %q", out, out.Data)
	}

	after, err := cl.ComputingWorker(ctx, liar)
	if err != nil {
		t.Fatal(err)
	}
	cut, _ := fixed.FromPHA(before.Stake).Mul(devnet.ComputingParams().SlashWrongResult)
	want := cut.PHA()
	left, _ := before.Stake.Sub(want)
	if after.WrongResults != 1 || after.Slashed.Cmp(want) != 0 || after.Stake.Cmp(left) != 0 {
		t.Fatalf("the liar: %d wrong results, slashed %s (want %s), stake %s (want %s)",
			after.WrongResults, after.Slashed.PHA(), want.PHA(), after.Stake.PHA(), left.PHA())
	}
	pools, err := cl.Pools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range pools {
		for _, w := range p.Workers {
			if w == liar {
				found = true
				if p.Slashed.Cmp(want) != 0 {
					t.Fatalf("the liar's pool carries a slash of %s, want %s", p.Slashed.PHA(), want.PHA())
				}
			}
		}
	}
	if !found {
		t.Fatal("the liar is in no pool")
	}
	for _, w := range info.Workers[:2] {
		if rec, _ := cl.ComputingWorker(ctx, w.ID); rec.WrongResults != 0 || !rec.Slashed.IsZero() {
			t.Fatalf("an honest worker was slashed: %+v", rec)
		}
	}

	// Two workers left, and one of them lies too: no majority is
	// possible. At the command's deadline it closes as "no majority",
	// nobody is paid, removed or slashed, and the escrow comes back.
	enclave.Lie(info.Workers[1].ID)
	raw, _ := json.Marshal(5)
	cmd, err := cl.Call(ctx, alice, vc.ID, "deposit", raw, 50_000_000)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cl.Wait(ctx, cmd, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want2 := "no majority: 2 of the cluster's 2 workers answered by height "
	if out.Status != contracts.StatusNoMajority || out.Paid != "0 PHA" || !strings.HasPrefix(out.Error, want2) {
		t.Fatalf("the split command: %+v, want %q", out, want2)
	}
	// Closed by the first block at its deadline, 45 s of block time on.
	q, err := cl.Get(ctx, "/store", contracts.CommandKey(cmd.Cluster, cmd.Seq), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	logged, err := contracts.Decode[contracts.Command](q.Value)
	if err != nil || logged.Deadline != logged.Time+45*int64(time.Second) {
		t.Fatalf("command %+v, %v", logged, err)
	}
	if c, _ := cl.Cluster(ctx, vc.Cluster); len(c.Workers) != 2 {
		t.Fatalf("a worker was removed on a split: %v", c.Workers)
	}
	if rec, _ := cl.ComputingWorker(ctx, info.Workers[1].ID); rec.WrongResults != 0 {
		t.Fatalf("a worker was judged on a split: %+v", rec)
	}
}
