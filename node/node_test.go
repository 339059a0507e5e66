package node

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/app"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
)

func TestInitIsIdempotentAndLoads(t *testing.T) {
	home := t.TempDir()
	id, err := Init(home, InitOptions{Moniker: "gk-test"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Init(home, InitOptions{Moniker: "gk-test"})
	if err != nil {
		t.Fatal(err)
	}
	if id.NodeID != again.NodeID || !bytes.Equal(id.ValidatorPubKey.Bytes(), again.ValidatorPubKey.Bytes()) {
		t.Fatal("a second Init replaced the keys")
	}
	c, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if c.Moniker != "gk-test" || c.Consensus.TimeoutCommit != time.Second || c.TxIndex.Indexer != "kv" {
		t.Fatalf("config %s %v %s", c.Moniker, c.Consensus.TimeoutCommit, c.TxIndex.Indexer)
	}
	// Metrics on, served to this host only.
	if !c.Instrumentation.Prometheus || c.Instrumentation.PrometheusListenAddr != "127.0.0.1:26660" {
		t.Fatalf("prometheus = %v at %q", c.Instrumentation.Prometheus, c.Instrumentation.PrometheusListenAddr)
	}
	if _, err := LoadConfig(t.TempDir()); !errors.Is(err, ErrNoHome) {
		t.Fatalf("empty dir: %v", err)
	}
}

func TestValidatorStateMustExist(t *testing.T) {
	home := t.TempDir()
	if _, err := Init(home, InitOptions{}); err != nil {
		t.Fatal(err)
	}
	c, _ := LoadConfig(home)
	if err := os.Remove(c.PrivValidatorStateFile()); err != nil {
		t.Fatal(err)
	}
	if err := checkPVFiles(c, false); err == nil || !strings.Contains(err.Error(), "sign state") {
		t.Fatalf("missing sign state: %v", err)
	}
}

func TestGenesisRoundTripAndRefusal(t *testing.T) {
	home := t.TempDir()
	id, err := Init(home, InitOptions{Moniker: "gk0"})
	if err != nil {
		t.Fatal(err)
	}
	a := crypto.ModuleAddress
	bg, err := bank.SeedGenesis(bank.Allocation{PrivateSale: a("s"), Developers: a("d"), Airdrop: a("a"), Testers: a("t")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := NewGenesis("phalanx-test", time.Now(), []Validator{{Identity: id, Power: 10}}, auth.DefaultGenesis(), bg, registry.DefaultGenesis(crypto.ModuleAddress("council")))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "genesis.json")
	if err := doc.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadGenesis(path); err != nil {
		t.Fatal(err)
	}
	// A genesis whose balances do not add up is refused before any node starts.
	raw, _ := os.ReadFile(path)
	broken := strings.Replace(string(raw), `"150000000000000000000"`, `"1"`, 1)
	if broken == string(raw) {
		t.Fatal("test did not alter the genesis")
	}
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadGenesis(path); !errors.Is(err, app.ErrBadGenesis) {
		t.Fatalf("unbalanced genesis: %v", err)
	}
}

func TestHTTPURL(t *testing.T) {
	for in, want := range map[string]string{
		"tcp://0.0.0.0:26657":   "http://127.0.0.1:26657",
		"tcp://10.0.0.5:26657":  "http://10.0.0.5:26657",
		"tcp://127.0.0.1:26657": "http://127.0.0.1:26657",
	} {
		if got := HTTPURL(in); got != want {
			t.Errorf("HTTPURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMetricsAddressTaken: a gatekeeper whose metrics address is taken
// fails at start, naming the address, and starts nothing (CometBFT alone
// would log one error and run on without metrics).
func TestMetricsAddressTaken(t *testing.T) {
	home := t.TempDir()
	id, err := Init(home, InitOptions{Moniker: "gk0"})
	if err != nil {
		t.Fatal(err)
	}
	bg, err := bank.SeedGenesis(bank.Allocation{PrivateSale: crypto.ModuleAddress("s"), Developers: crypto.ModuleAddress("d"),
		Airdrop: crypto.ModuleAddress("a"), Testers: crypto.ModuleAddress("t")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := NewGenesis("phalanx-test", time.Now(), []Validator{{Identity: id, Power: 10}},
		auth.DefaultGenesis(), bg, registry.DefaultGenesis(crypto.ModuleAddress("council")))
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.SaveAs(c.GenesisFile()); err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	rpc, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rpcAddr := rpc.Addr().String()
	rpc.Close()
	c.Instrumentation.PrometheusListenAddr = taken.Addr().String()
	c.RPC.ListenAddress = "tcp://" + rpcAddr
	c.P2P.ListenAddress = "tcp://127.0.0.1:0"
	g, err := New(context.Background(), Options{Home: home, Config: c, Metrics: true})
	if err != nil {
		t.Fatal(err)
	}
	err = g.Start()
	if err == nil {
		g.Stop()
		t.Fatal("a gatekeeper started with its metrics address taken")
	}
	if !strings.Contains(err.Error(), "serve metrics at "+taken.Addr().String()) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("start with the metrics address taken: %v", err)
	}
	if g.Node().IsRunning() {
		t.Fatal("the node runs")
	}
	if conn, err := net.Dial("tcp", rpcAddr); err == nil {
		conn.Close()
		t.Fatalf("the RPC listens at %s", rpcAddr)
	}
}
