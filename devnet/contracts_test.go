package devnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
	"github.com/phalanx-net/phalanx/worker/api"
)

// TestConfidentialContract runs the whole flow on a devnet of two
// gatekeepers and two workers: the first gatekeeper's enclave generates
// the master key and the second receives it; a cluster gets its key; the
// vault contract, built from source, is uploaded and instantiated;
// commands sealed to its key are executed and agreed on; outputs decrypt
// for the caller alone; bad input is refused the same way everywhere; a
// worker added later replays the log to the same state; queries work one
// shot and in sessions; and no plaintext reaches the workers' disks.
func commandSeq(t *testing.T, r *client.Result) uint64 {
	t.Helper()
	for _, e := range r.Events {
		if e.Type == contracts.EventCommand {
			for _, a := range e.Attributes {
				if a.Key == contracts.AttrSeq {
					n, err := strconv.ParseUint(a.Value, 10, 64)
					if err != nil {
						t.Fatal(err)
					}
					return n
				}
			}
		}
	}
	t.Fatal("no command event")
	return 0
}

func TestConfidentialContract(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	vault, err := wasmtest.Build("../examples/vault")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// d.Logs holds every log line, debug included, to scan for plaintext.
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 2, Workers: 2, BlockTime: 100 * time.Millisecond})
	info, cl, logs := d.Info, d.Client, d.Logs
	dev := d.Key(t, "developers")

	// Both gatekeeper enclaves hold the master key of epoch 0.
	devnettest.WaitFor(t, ctx, "both gatekeepers to hold the master key", func() bool {
		for _, g := range info.Gatekeepers {
			q, err := cl.Get(ctx, "/store", keys.HolderKey(0, g.Enclave), 0, false)
			if err != nil || q.Value == nil {
				return false
			}
		}
		return true
	})

	// The cluster starts with one worker; the second joins later and
	// catches up by replaying the log.
	cluster, err := cl.CreateCluster(ctx, dev, []crypto.PublicKey{info.Workers[0].ID}, pha.Units(1000), pha.Tokens(10))
	if err != nil {
		t.Fatalf("create cluster: %v", err)
	}
	code, err := cl.UploadCode(ctx, dev, vault)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	id, err := cl.Instantiate(ctx, dev, code, cluster, nil, "vault")
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	if _, err := cl.WaitContractKey(ctx, id, 2*time.Minute); err != nil {
		t.Fatalf("contract key: %v", err)
	}

	alice := d.Key(t, "testers")
	const marker = 4_242_424_242 // a number to look for on the workers' disks
	call := func(k crypto.PrivateKey, method string, args any) *client.Output {
		t.Helper()
		raw, _ := json.Marshal(args)
		cmd, err := cl.Call(ctx, k, id, method, raw, 50_000_000)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		out, err := cl.Wait(ctx, cmd, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if blocks := out.Height - cmd.Height; blocks > 4 {
			t.Logf("%s recorded %d blocks after it was sent", method, blocks)
		}
		return out
	}
	if out := call(alice, "deposit", marker); out.Status != contracts.StatusOK {
		t.Fatalf("deposit: %+v", out)
	}
	if out := call(alice, "my_balance", struct{}{}); out.Status != contracts.StatusOK || string(out.Data) != "4242424242" {
		t.Fatalf("my_balance: %+v %q", out, out.Data)
	}
	// Another caller has their own, empty, balance.
	if out := call(dev, "my_balance", struct{}{}); out.Status != contracts.StatusOK || string(out.Data) != "0" {
		t.Fatalf("dev's my_balance: %+v %q", out, out.Data)
	}
	// A contract error comes back encrypted too, and changes nothing.
	if out := call(dev, "withdraw", 5); out.Status != contracts.StatusError || len(out.Data) == 0 {
		t.Fatalf("withdraw beyond the balance: %+v %q", out, out.Data)
	}
	// Too little gas: out of gas, recorded as such.
	cmd, err := cl.Call(ctx, alice, id, "my_balance", []byte("{}"), 100_000)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cl.Wait(ctx, cmd, time.Minute); err != nil || out.Status != contracts.StatusOutOfGas {
		t.Fatalf("out of gas: %+v, %v", out, err)
	}

	// Bad input, identically on every worker: garbage in place of a
	// sealed input, and alice's sealed input copied into bob's command.
	ct, _ := cl.Contract(ctx, id)
	chain, _ := cl.ChainID(ctx)
	sealedForAlice, _, err := client.SealCall(chain, ct, alice.Public().Address(), "my_balance", []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	bob := d.Key(t, "bob")
	for name, input := range map[string][]byte{"garbage": bytes.Repeat([]byte{7}, 1200), "copied": sealedForAlice} {
		r, err := cl.Submit(ctx, bob, []module.Msg{&contracts.MsgCall{Contract: id, Input: input, GasLimit: 1_000_000}}, client.TxOptions{GasLimit: 500_000})
		if err != nil {
			t.Fatalf("%s input: %v", name, err)
		}
		seq := commandSeq(t, r)
		var res contracts.Result
		devnettest.WaitFor(t, ctx, name+" input's result", func() bool {
			res, err = cl.CommandResult(ctx, cluster, seq)
			return err == nil
		})
		if res.Status != contracts.StatusBadInput || len(res.Output) != 0 {
			t.Fatalf("%s input: %+v", name, res)
		}
	}
	// An output opens only with its command's key.
	cmd2, err := cl.Call(ctx, alice, id, "my_balance", []byte("{}"), 50_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Wait(ctx, cmd2, time.Minute); err != nil {
		t.Fatal(err)
	}
	res2, _ := cl.CommandResult(ctx, cmd2.Cluster, cmd2.Seq)
	other, _ := envelope.ResponseKeyFromBytes(bytes.Repeat([]byte{1}, 32))
	if _, err := other.Open(res2.Output); err == nil {
		t.Fatal("an output opened with another key")
	}

	// The second worker joins: it gets the cluster key, replays every
	// command, and reaches the same state as the first.
	if _, err := cl.Submit(ctx, dev, []module.Msg{&contracts.MsgAddWorker{Cluster: cluster, Worker: info.Workers[1].ID}}, client.TxOptions{GasLimit: 1_000_000}); err != nil {
		t.Fatalf("add worker: %v", err)
	}
	devnettest.WaitFor(t, ctx, "both workers to reach the same state root", func() bool {
		r0, ok0, err0 := d.Worker(0).ContractStateRoot(id)
		r1, ok1, err1 := d.Worker(1).ContractStateRoot(id)
		return ok0 && ok1 && err0 == nil && err1 == nil && r0 == r1 && r0 != contracts.InitialStateRoot(id)
	})

	// Queries, straight to a worker: one-shot and in a session, on the
	// state the commands left; the answer is for the caller alone.
	for i, w := range info.Workers {
		qc, err := cl.NewQueryClient(ctx, w.ID, w.Query, alice)
		if err != nil {
			t.Fatal(err)
		}
		a, err := qc.Query(ctx, id, "my_balance", []byte("{}"))
		if err != nil || a.Status != contracts.StatusOK || string(a.Output) != "4242424242" {
			t.Fatalf("query to worker %d: %+v, %v", i, a, err)
		}
		s, err := qc.OpenSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			a, err := s.Query(ctx, id, "my_balance", []byte("{}"))
			if err != nil || string(a.Output) != "4242424242" {
				t.Fatalf("session query to worker %d: %+v, %v", i, a, err)
			}
		}
		var qe *client.QueryError
		if _, err := qc.Query(ctx, contracts.Hash{9}, "my_balance", nil); !errors.As(err, &qe) || qe.Status != http.StatusNotFound {
			t.Fatalf("query for an unknown contract: %v", err)
		}
	}
	// A replayed query and a tampered one are refused.
	w0 := info.Workers[0]
	rec, err := cl.Worker(ctx, w0.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := crypto.ParseEncryptionPublicKey(rec.EncryptionKey)
	chainID, _ := cl.ChainID(ctx)
	sq := api.NewSignedQuery(alice, api.Query{ChainID: chainID, Worker: w0.ID, Contract: id, Method: "my_balance", Args: []byte("{}")}, time.Now())
	req, _, err := envelope.SealRequest(pk, api.Info(chainID, w0.ID), codec.MustMarshal(sq))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{http.StatusOK, http.StatusUnauthorized} {
		res, err := http.Post(w0.Query+api.PathQuery, "application/octet-stream", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("sending the same query, try %d: HTTP %d, want %d", i, res.StatusCode, want)
		}
	}
	req[len(req)-1] ^= 1
	if res, err := http.Post(w0.Query+api.PathQuery, "application/octet-stream", bytes.NewReader(req)); err != nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("tampered query: %v, %v", res, err)
	}

	// Nothing of the plaintext is in the logs, nor on the workers' disks:
	// neither the deposited number nor the state key.
	if bytes.Contains(logs.Bytes(), []byte("4242424242")) || bytes.Contains(logs.Bytes(), []byte("balance/")) {
		t.Error("the logs hold a plaintext input or state key")
	}
	if logs.Len() == 0 {
		t.Error("no logs to scan")
	}
	for _, w := range info.Workers {
		filepath.Walk(w.Home, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			raw, _ := os.ReadFile(p)
			for _, s := range []string{"4242424242", "balance/"} {
				if bytes.Contains(raw, []byte(s)) {
					t.Errorf("%s holds %q in the clear", p, s)
				}
			}
			return nil
		})
	}
}
