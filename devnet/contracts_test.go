package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

// TestConfidentialContract runs the whole flow on a devnet of two
// gatekeepers and two workers: the first gatekeeper's enclave generates
// the master key and the second receives it; a cluster of both workers
// gets its key; the vault contract, built from source, is uploaded and
// instantiated; commands sealed to its key are executed by both workers,
// which agree; outputs decrypt for the caller; and no plaintext reaches
// the workers' disks.
func TestConfidentialContract(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	vault, err := wasmtest.Build("../examples/vault")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cfg := Config{Home: home, Gatekeepers: 2, Workers: 2, BasePort: mustFreeBasePort(t, 2), BlockTime: 100 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { d.Stop() }()
	info, err := ReadInfo(home)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.New(info.Gatekeepers[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := kr.PrivateKey("developers")
	if err != nil {
		t.Fatal(err)
	}

	// Both gatekeeper enclaves hold the master key of epoch 0.
	waitFor(t, ctx, "both gatekeepers to hold the master key", func() bool {
		for _, g := range info.Gatekeepers {
			q, err := cl.Get(ctx, "/store", keys.HolderKey(0, g.Enclave), 0, false)
			if err != nil || q.Value == nil {
				return false
			}
		}
		return true
	})

	workers := []crypto.PublicKey{info.Workers[0].ID, info.Workers[1].ID}
	cluster, err := cl.CreateCluster(ctx, dev, workers, pha.Units(1000), pha.Tokens(10))
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

	alice, err := kr.PrivateKey("testers")
	if err != nil {
		t.Fatal(err)
	}
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

	// Nothing of the plaintext is on the workers' disks: neither the
	// deposited number nor the state key.
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
