package executor

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/wasm"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

const chainID = "phalanx-test"

func openEnclave(t *testing.T, dir string) *enclave.Enclave {
	t.Helper()
	p, err := tee.Open(tee.Sim, tee.Options{Dir: dir, SimVersion: enclave.Version})
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := enclave.Open(p, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.OpenSecrets(dir); err != nil {
		t.Fatal(err)
	}
	return e
}

// setup gives n worker enclaves the key of cluster 0 from a gatekeeper.
func setup(t *testing.T, n int) (dirs []string, enclaves []*enclave.Enclave) {
	t.Helper()
	gk := openEnclave(t, t.TempDir())
	if _, err := gk.GenerateMaster(0); err != nil {
		t.Fatal(err)
	}
	for range n {
		dir := t.TempDir()
		w := openEnclave(t, dir)
		sealed, err := gk.ShareCluster(chainID, 0, 0, w.Identity(), w.EncryptionKey())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.ReceiveCluster(chainID, 0, 0, sealed); err != nil {
			t.Fatal(err)
		}
		dirs, enclaves = append(dirs, dir), append(enclaves, w)
	}
	return dirs, enclaves
}

func TestWorkersAgreeAndRefuseBadInput(t *testing.T) {
	vault, err := wasmtest.Build("../../examples/vault")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	prepared, err := wasm.Prepare(ctx, vault)
	if err != nil {
		t.Fatal(err)
	}
	load := func(context.Context, contracts.Hash) ([]byte, error) { return prepared, nil }
	dirs, encs := setup(t, 2)
	var xs []*Executor
	for i := range encs {
		x, err := Open(ctx, Config{ChainID: chainID, Enclave: encs[i], Dir: dirs[i]})
		if err != nil {
			t.Fatal(err)
		}
		xs = append(xs, x)
	}
	ct := contracts.Contract{ID: contracts.Hash{5}, Code: contracts.Hash{6}, Cluster: 0}
	alice := crypto.Address{1}
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).UnixNano()

	// Instantiation: both derive the same public key.
	inst := contracts.Command{Cluster: 0, Seq: 0, Kind: contracts.KindInstantiate, Contract: ct.ID, Height: 3, Time: at}
	var pub []byte
	for _, x := range xs {
		v, err := x.Execute(ctx, inst, ct, load)
		if err != nil {
			t.Fatal(err)
		}
		if pub != nil && !bytes.Equal(pub, v.Output) {
			t.Fatal("workers derive different contract keys")
		}
		pub = v.Output
	}
	ct.PublicKey = pub
	pk, err := crypto.ParseEncryptionPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	seal := func(caller crypto.Address, method, args string) ([]byte, *envelope.ResponseKey) {
		in, resp, err := envelope.SealRequest(pk, contracts.SealInfo(chainID, ct.ID, caller), codec.MustMarshal(contracts.CallInput{Method: method, Args: []byte(args)}))
		if err != nil {
			t.Fatal(err)
		}
		return in, resp
	}
	deposit, resp := seal(alice, "deposit", "41")
	cmds := []contracts.Command{
		{Seq: 1, Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: deposit, GasLimit: 50_000_000, Height: 4, Time: at},
		// alice's sealed input sent by someone else does not open.
		{Seq: 2, Kind: contracts.KindCall, Contract: ct.ID, Caller: crypto.Address{2}, Input: deposit, GasLimit: 50_000_000, Height: 5, Time: at},
		{Seq: 3, Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: []byte("garbage"), GasLimit: 50_000_000, Height: 5, Time: at},
	}
	balance, _ := seal(alice, "my_balance", "{}")
	cmds = append(cmds, contracts.Command{Seq: 4, Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: balance, GasLimit: 1_000, Height: 6, Time: at})
	want := []uint8{contracts.StatusOK, contracts.StatusBadInput, contracts.StatusBadInput, contracts.StatusOutOfGas}
	var votes [2][]contracts.ResultVote
	for i, x := range xs {
		for j, c := range cmds {
			v, err := x.Execute(ctx, c, ct, load)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != want[j] {
				t.Fatalf("command %d: status %s, want %s", c.Seq, contracts.StatusText(v.Status), contracts.StatusText(want[j]))
			}
			votes[i] = append(votes[i], v)
		}
	}
	for j := range cmds {
		if votes[0][j].Digest() != votes[1][j].Digest() {
			t.Fatalf("command %d: the workers' votes differ", cmds[j].Seq)
		}
	}
	if out, err := resp.Open(votes[0][0].Output); err != nil || len(out) != 0 {
		t.Fatalf("deposit output: %q, %v", out, err)
	}
	if votes[0][0].StateRoot == contracts.InitialStateRoot(ct.ID) || votes[0][1].StateRoot != votes[0][0].StateRoot {
		t.Fatal("the state root did not move with the deposit only")
	}

	// Out of order: refused, nothing recorded.
	if _, err := xs[0].Execute(ctx, cmds[0], ct, load); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("replayed command: %v", err)
	}
	// A query sees the state; results wait to be posted until marked.
	status, out, _, err := xs[0].Query(ctx, ct, alice, "my_balance", []byte("{}"), 50_000_000, 6, time.Unix(0, at), load)
	if err != nil || status != contracts.StatusOK || string(out) != "41" {
		t.Fatalf("query: %d %q %v", status, out, err)
	}
	if p, _ := xs[0].Pending(0); len(p) != 5 {
		t.Fatalf("%d pending results, want 5", len(p))
	}
	if err := xs[0].MarkPosted(0, 3); err != nil {
		t.Fatal(err)
	}

	// After a restart: the same progress, pending results and state.
	xs[0].Close(ctx)
	x, err := Open(ctx, Config{ChainID: chainID, Enclave: encs[0], Dir: dirs[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close(ctx)
	if n, _ := x.Progress(0); n != 5 {
		t.Fatalf("progress %d after a restart, want 5", n)
	}
	if p, _ := x.Pending(0); len(p) != 1 || p[0].Seq != 4 {
		t.Fatalf("pending after a restart: %+v", p)
	}
	if root, ok, _ := x.StateRoot(ct.ID); !ok || root != votes[0][3].StateRoot {
		t.Fatal("state root lost across a restart")
	}
	xs[1].Close(ctx)
}
