package node

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

var givenPorts sync.Map

// freePort returns a port free now that no other node of this test
// binary was given.
func freePort(t *testing.T) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if _, taken := givenPorts.LoadOrStore(p, true); !taken {
			return p
		}
	}
}

// testNode is one node of a network in this process.
type testNode struct {
	home string
	cfg  *cmtcfg.Config
	g    *Gatekeeper
}

// fastConfig is a node's config for a local network with short blocks.
func fastConfig(t *testing.T, home string) *cmtcfg.Config {
	c := DefaultConfig(home)
	c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	c.P2P.AllowDuplicateIP = true
	c.P2P.AddrBookStrict = false
	c.P2P.PexReactor = false
	c.Consensus.TimeoutCommit = 20 * time.Millisecond
	c.Consensus.PeerGossipSleepDuration = 10 * time.Millisecond
	c.Consensus.PeerQueryMaj23SleepDuration = 500 * time.Millisecond
	c.Storage.Pruning.Interval = 100 * time.Millisecond
	return c
}

// initNode makes a node home with app.toml settings ac.
func initNode(t *testing.T, name string, ac AppConfig) (*testNode, Identity) {
	t.Helper()
	home := t.TempDir()
	c := fastConfig(t, home)
	id, err := Init(home, InitOptions{Moniker: name, Config: c, App: &ac})
	if err != nil {
		t.Fatal(err)
	}
	return &testNode{home: home, cfg: c}, id
}

func testNetGenesis(t *testing.T, evidenceAge int64, vals ...Identity) *cmttypes.GenesisDoc {
	t.Helper()
	a := crypto.ModuleAddress
	bg, err := bank.SeedGenesis(bank.Allocation{PrivateSale: a("s"), Developers: a("d"), Airdrop: a("a"), Testers: a("t")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var vs []Validator
	for _, v := range vals {
		vs = append(vs, Validator{Identity: v, Power: 10})
	}
	doc, err := NewGenesis("phalanx-disk", time.Now(), vs, auth.DefaultGenesis(), bg, registry.DefaultGenesis(a("council")))
	if err != nil {
		t.Fatal(err)
	}
	if evidenceAge > 0 {
		doc.ConsensusParams.Evidence.MaxAgeNumBlocks = evidenceAge
	}
	return doc
}

// start starts n with genesis doc, peered with peers.
func (n *testNode) start(t *testing.T, doc *cmttypes.GenesisDoc, peers ...*testNode) {
	t.Helper()
	if err := doc.SaveAs(n.cfg.GenesisFile()); err != nil {
		t.Fatal(err)
	}
	var ps []string
	for _, p := range peers {
		id, err := NodeID(p.cfg)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, P2PAddress(id, p.cfg.P2P.ListenAddress))
	}
	n.cfg.P2P.PersistentPeers = strings.Join(ps, ",")
	var log *slog.Logger
	if os.Getenv("NODE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", n.cfg.Moniker)
	}
	g, err := New(context.Background(), Options{Home: n.home, Config: n.cfg, Log: log, CometLogLevel: slog.LevelInfo})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	n.g = g
	t.Cleanup(func() { g.Stop() })
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBlockPruningKeepsRecentBlocksAndZeroKeepsAll(t *testing.T) {
	noSnaps := AppConfig{StateKeepRecent: 0}
	pruned := AppConfig{MinRetainBlocks: 20, StateKeepRecent: 10}
	val, valID := initNode(t, "val", pruned)
	// The other validator keeps every block (min_retain_blocks = 0). Both
	// validate, so both have every block before one prunes: a node that
	// joined later could not fetch the blocks its peer pruned.
	full, fullID := initNode(t, "full", noSnaps)
	doc := testNetGenesis(t, 5, valID, fullID)
	full.start(t, doc)
	val.start(t, doc, full)

	// The validator's block store base moves up behind the retain height
	// (height - 20; the evidence age, 5 blocks, is less).
	waitFor(t, 90*time.Second, "the validator to prune", func() bool { return val.g.Height() > 60 && val.g.Node().BlockStore().Base() > 30 })
	base := val.g.Node().BlockStore().Base()
	if h := val.g.Height(); base < h-20-5 || base > h-19 {
		t.Fatalf("validator keeps blocks %d to %d with min_retain_blocks 20", base, h)
	}
	ctx := context.Background()
	rpc := rpclocal.New(val.g.Node())
	one := int64(1)
	want := fmt.Sprintf("height 1 is not available, lowest height is %d", base)
	if _, err := rpc.Block(ctx, &one); err == nil || !strings.Contains(err.Error(), "height 1 is not available, lowest height is") {
		t.Fatalf("block 1 on the pruned node: %v, want %q", err, want)
	}
	if _, err := rpc.Commit(ctx, &one); err == nil || !strings.Contains(err.Error(), "height 1 is not available") {
		t.Fatalf("commit 1 on the pruned node: %v", err)
	}
	if _, err := rpc.BlockResults(ctx, &one); err == nil || !strings.Contains(err.Error(), "height 1 is not available") {
		t.Fatalf("block results 1 on the pruned node: %v", err)
	}
	// state_keep_recent = 10: the state at height 5 is gone, a recent one
	// proves.
	key := []byte("app/chain_id")
	old, err := rpc.ABCIQueryWithOptions(ctx, "/store", key, rpcclient.ABCIQueryOptions{Height: 5, Prove: true})
	if err != nil || old.Response.Code == 0 || !strings.Contains(old.Response.Log, "state version not available") {
		t.Fatalf("state at height 5 with state_keep_recent 10: %v %+v", err, old)
	}
	recent := val.g.App().Height() - 2
	res, err := rpc.ABCIQueryWithOptions(ctx, "/store", key, rpcclient.ABCIQueryOptions{Height: recent, Prove: true})
	if err != nil || res.Response.Code != 0 || string(res.Response.Value) != "phalanx-disk" {
		t.Fatalf("state at height %d: %v %+v", recent, err, res)
	}
	next := recent + 1
	hdr, err := rpc.Header(ctx, &next)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.VerifyProof(hdr.Header.AppHash, key, res.Response.Value, res.Response.ProofOps); err != nil {
		t.Fatalf("recent state does not prove: %v", err)
	}
	if bm := val.g.Node().BlockStore().LoadBaseMeta(); bm == nil || bm.Header.Height != base {
		t.Fatalf("the block store's first block is not at its base %d: %v", base, bm)
	}
	// Recent blocks are all there.
	for h := base; h <= base+5; h++ {
		if _, err := rpc.Block(ctx, &h); err != nil {
			t.Fatalf("block %d: %v", h, err)
		}
	}
	// The validator with min_retain_blocks = 0 (and state_keep_recent =
	// 0) keeps every block and every state, though its pruner ran as often.
	if b := full.g.Node().BlockStore().Base(); b != 1 {
		t.Fatalf("full node's block store starts at %d", b)
	}
	if _, err := rpclocal.New(full.g.Node()).Block(ctx, &one); err != nil {
		t.Fatalf("block 1 on the full node: %v", err)
	}
	if q, err := rpclocal.New(full.g.Node()).ABCIQueryWithOptions(ctx, "/store", key, rpcclient.ABCIQueryOptions{Height: 1}); err != nil || q.Response.Code != 0 {
		t.Fatalf("state at height 1 on the full node: %v %+v", err, q)
	}
}

func TestStateSyncJoinsAtTheSameAppHash(t *testing.T) {
	// Snapshots every 50 blocks; the validator keeps its blocks (the new
	// node's light client reads headers around the trust and snapshot
	// heights from it).
	// It keeps ten: at these fast blocks a snapshot of two would be
	// pruned in a few seconds, before the joiner (5 s of discovery) has
	// fetched its chunks. A snapshot must outlive a joiner's discovery
	// and download: docs/operations.md says so for the settings.
	val, valID := initNode(t, "val", AppConfig{StateKeepRecent: 100, SnapshotInterval: 50, SnapshotKeepRecent: 10})
	doc := testNetGenesis(t, 0, valID)
	val.start(t, doc)
	waitFor(t, 90*time.Second, "300 blocks", func() bool { return val.g.Height() >= 300 })

	ctx := context.Background()
	rpc := rpclocal.New(val.g.Node())
	trust := val.g.Height() - 20
	blk, err := rpc.Block(ctx, &trust)
	if err != nil {
		t.Fatal(err)
	}
	joiner, _ := initNode(t, "joiner", AppConfig{StateKeepRecent: 100})
	url := HTTPURL(val.cfg.RPC.ListenAddress)
	joiner.cfg.StateSync.Enable = true
	joiner.cfg.StateSync.RPCServers = []string{url, url}
	joiner.cfg.StateSync.TrustHeight = trust
	joiner.cfg.StateSync.TrustHash = hex.EncodeToString(blk.BlockID.Hash)
	joiner.cfg.StateSync.DiscoveryTime = 5 * time.Second
	joiner.start(t, doc, val)

	// The joiner restores a snapshot (its block store starts after it),
	// then follows the chain block by block.
	waitFor(t, 90*time.Second, "the joiner to state sync", func() bool {
		return joiner.g.App().Height() > 0 && joiner.g.Height() > 0
	})
	restored := joiner.g.Node().BlockStore().Base()
	if restored <= 250 || restored%50 != 1 {
		t.Fatalf("joiner's block store starts at %d, want just after a snapshot height (a multiple of 50 past 250)", restored)
	}
	target := val.g.Height() + 10
	waitFor(t, 60*time.Second, "the joiner to follow", func() bool { return joiner.g.App().Height() >= target })
	// Same state at the same height: the joiner's app hash after block
	// target is the one the validator's next header commits to.
	info, err := joiner.g.App().Info(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := info.LastBlockHeight
	waitFor(t, 30*time.Second, "the validator's next header", func() bool { return val.g.Height() > h })
	next := h + 1
	hdr, err := rpc.Header(ctx, &next)
	if err != nil {
		t.Fatal(err)
	}
	valInfo := val.g.Node().BlockStore().LoadBlockMeta(next)
	if string(hdr.Header.AppHash) != string(info.LastBlockAppHash) || string(valInfo.Header.AppHash) != string(info.LastBlockAppHash) {
		t.Fatalf("joiner at %d has app hash %X; the chain's is %X", h, info.LastBlockAppHash, hdr.Header.AppHash)
	}
}
