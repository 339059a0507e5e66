package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
)

func TestRetainHeight(t *testing.T) {
	for _, c := range []struct {
		r            Retention
		height, span int64
		want         int64
	}{
		{Retention{MinRetainBlocks: 0, EvidenceMaxAgeBlocks: 10}, 1000, 0, 0}, // 0 keeps all
		{Retention{MinRetainBlocks: 100}, 1000, 0, 900},
		{Retention{MinRetainBlocks: 100}, 100, 0, 0},
		{Retention{MinRetainBlocks: 100, EvidenceMaxAgeBlocks: 300}, 1000, 0, 700},   // evidence still verifiable
		{Retention{MinRetainBlocks: 100, EvidenceMaxAgeBlocks: 300}, 1000, 500, 500}, // blocks after the oldest snapshot
	} {
		if got := c.r.RetainHeight(c.height, c.span); got != c.want {
			t.Errorf("%+v at %d (snapshot span %d): %d, want %d", c.r, c.height, c.span, got, c.want)
		}
	}
}

func TestCommitReturnsRetainHeight(t *testing.T) {
	h := newHarnessWith(t, func(o *Options) { o.Retention = Retention{MinRetainBlocks: 3, EvidenceMaxAgeBlocks: 2} })
	for range 6 {
		h.block()
	}
	if _, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: h.height + 1, Time: time.Unix(1e9+h.height, 0)}); err != nil {
		t.Fatal(err)
	}
	res, err := h.app.Commit(context.Background(), &abci.CommitRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.RetainHeight != 8-3 {
		t.Fatalf("retain height at 8 keeping 3 blocks: %d, want 5", res.RetainHeight)
	}
}

// snapshotHarness runs a chain that snapshots every 5 blocks in small
// chunks, with some transfers so the state has more than one chunk.
func snapshotHarness(t *testing.T) (*harness, *abci.Snapshot) {
	t.Helper()
	dir := t.TempDir()
	h := newHarnessWith(t, func(o *Options) {
		o.Snapshots = SnapshotOptions{Dir: filepath.Join(dir, "snapshots"), Interval: 5, KeepRecent: 2, ChunkBytes: 256}
	})
	ctx := context.Background()
	var list []*abci.Snapshot
	for i := range 12 {
		h.block(sendTx(t, alice, uint64(i), testKey(string(rune('a'+i))).Public().Address(), pha.Tokens(1)))
		if h.height%5 != 0 {
			continue
		}
		// Snapshots are written in the background (one at a time: one due
		// while another is written is skipped): wait for this one.
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := h.app.ListSnapshots(ctx, &abci.ListSnapshotsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if list = res.Snapshots; len(list) > 0 && int64(list[0].Height) == h.height {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no snapshot at %d: %v", h.height, list)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if len(list) != 2 || list[0].Height != 10 || list[1].Height != 5 {
		t.Fatalf("kept snapshots %v, want 10 and 5", list)
	}
	return h, list[0]
}

func appHashAt(t *testing.T, h *harness, height int64) []byte {
	t.Helper()
	s, err := h.app.tree.Snapshot(height)
	if err != nil {
		t.Fatal(err)
	}
	return s.Hash()
}

func chunk(t *testing.T, h *harness, s *abci.Snapshot, i uint32) []byte {
	t.Helper()
	res, err := h.app.LoadSnapshotChunk(context.Background(), &abci.LoadSnapshotChunkRequest{Height: s.Height, Format: s.Format, Chunk: i})
	if err != nil || len(res.Chunk) == 0 {
		t.Fatalf("chunk %d: %v (%d bytes)", i, err, len(res.Chunk))
	}
	return res.Chunk
}

func freshApp(t *testing.T) *App {
	t.Helper()
	return openApp(t, t.TempDir(), Options{})
}

func openApp(t *testing.T, dir string, o Options) *App {
	t.Helper()
	o.Dir, o.SigCache = dir, tx.NewSigCache(1<<10)
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestStateSyncRestoresTheSameState(t *testing.T) {
	src, snap := snapshotHarness(t)
	if snap.Chunks < 3 {
		t.Fatalf("snapshot has %d chunks; the test wants several", snap.Chunks)
	}
	want := appHashAt(t, src, 10)
	ctx := context.Background()
	dst := freshApp(t)
	offer, err := dst.OfferSnapshot(ctx, &abci.OfferSnapshotRequest{Snapshot: snap, AppHash: want})
	if err != nil || offer.Result != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
		t.Fatalf("offer: %v %v", offer, err)
	}
	for i := range snap.Chunks {
		c := chunk(t, src, snap, i)
		if i == 1 {
			// A peer that sends something else is refused, and the chunk
			// fetched again.
			bad := append([]byte{}, c...)
			bad[len(bad)-1] ^= 1
			res, err := dst.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: i, Chunk: bad, Sender: "liar"})
			if err != nil || res.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY || len(res.RefetchChunks) != 1 || res.RefetchChunks[0] != 1 || len(res.RejectSenders) != 1 || res.RejectSenders[0] != "liar" {
				t.Fatalf("tampered chunk: %+v %v", res, err)
			}
		}
		res, err := dst.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: i, Chunk: c, Sender: "honest"})
		if err != nil || res.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
			t.Fatalf("chunk %d: %+v %v", i, res, err)
		}
	}
	info, err := dst.Info(ctx, &abci.InfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if info.LastBlockHeight != 10 || string(info.LastBlockAppHash) != string(want) {
		t.Fatalf("restored node at %d %X, want 10 %X", info.LastBlockHeight, info.LastBlockAppHash, want)
	}
	// What the app keeps beside the tree came back too, and the restored
	// node executes the next block exactly as the others did.
	if dst.chainID != testChain || dst.Height() != 10 || !dst.blockTime.Equal(time.Unix(1e9+9, 0)) {
		t.Fatalf("restored chain id %q height %d time %v", dst.chainID, dst.Height(), dst.blockTime)
	}
	// A restored node has no blocks before the snapshot: it asks CometBFT
	// to prune none of them, also after a restart.
	if dst.firstBlock != 11 {
		t.Fatalf("restored node's first block %d, want 11", dst.firstBlock)
	}
	req := &abci.FinalizeBlockRequest{Height: 11, Time: time.Unix(1e9+10, 0), Txs: [][]byte{sendTx(t, alice, 9, testKey("j").Public().Address(), pha.Tokens(1))}}
	got, err := dst.FinalizeBlock(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got.TxResults[0].Code != 0 {
		t.Fatalf("tx on the restored node: %s", got.TxResults[0].Log)
	}
	if string(got.AppHash) != string(appHashAt(t, src, 11)) {
		t.Fatal("block 11 on the restored node gives another app hash")
	}
}

func TestStateSyncRefusesAWrongAppHashAndStartsAgain(t *testing.T) {
	src, snap := snapshotHarness(t)
	ctx := context.Background()
	dst := freshApp(t)
	restoreAll := func(trusted []byte) *abci.ApplySnapshotChunkResponse {
		t.Helper()
		offer, err := dst.OfferSnapshot(ctx, &abci.OfferSnapshotRequest{Snapshot: snap, AppHash: trusted})
		if err != nil || offer.Result != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
			t.Fatalf("offer: %v %v", offer, err)
		}
		var res *abci.ApplySnapshotChunkResponse
		for i := range snap.Chunks {
			if res, err = dst.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: i, Chunk: chunk(t, src, snap, i)}); err != nil {
				t.Fatal(err)
			}
		}
		return res
	}
	// The light client trusts another app hash at that height: the
	// snapshot is refused and nothing of it stays.
	if res := restoreAll(appHashAt(t, src, 9)); res.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT {
		t.Fatalf("wrong app hash: %v", res.Result)
	}
	if dst.tree.Version() != 0 || dst.restore != nil {
		t.Fatalf("after a refused snapshot the state is at version %d", dst.tree.Version())
	}
	if res := restoreAll(appHashAt(t, src, 10)); res.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT || dst.tree.Version() != 10 {
		t.Fatalf("second try: %v at version %d", res.Result, dst.tree.Version())
	}
	// A node with state is not offered a snapshot.
	if offer, _ := dst.OfferSnapshot(ctx, &abci.OfferSnapshotRequest{Snapshot: snap, AppHash: appHashAt(t, src, 10)}); offer.Result != abci.OFFER_SNAPSHOT_RESULT_ABORT {
		t.Fatalf("offer to a node with state: %v", offer.Result)
	}
}

func TestOfferSnapshotRefusesBadMetadata(t *testing.T) {
	_, snap := snapshotHarness(t)
	dst := freshApp(t)
	hash := make([]byte, 32)
	for name, c := range map[string]struct {
		mut  func(s *abci.Snapshot)
		want abci.OfferSnapshotResult
	}{
		"format":   {func(s *abci.Snapshot) { s.Format = 7 }, abci.OFFER_SNAPSHOT_RESULT_REJECT_FORMAT},
		"height":   {func(s *abci.Snapshot) { s.Height = 0 }, abci.OFFER_SNAPSHOT_RESULT_REJECT},
		"chunks":   {func(s *abci.Snapshot) { s.Chunks++ }, abci.OFFER_SNAPSHOT_RESULT_REJECT},
		"hash":     {func(s *abci.Snapshot) { s.Hash = hash }, abci.OFFER_SNAPSHOT_RESULT_REJECT},
		"metadata": {func(s *abci.Snapshot) { s.Metadata = s.Metadata[:len(s.Metadata)-1] }, abci.OFFER_SNAPSHOT_RESULT_REJECT},
	} {
		s := *snap
		s.Metadata = append([]byte{}, snap.Metadata...)
		c.mut(&s)
		res, err := dst.OfferSnapshot(context.Background(), &abci.OfferSnapshotRequest{Snapshot: &s, AppHash: hash})
		if err != nil || res.Result != c.want {
			t.Errorf("%s: %v %v, want %v", name, res, err, c.want)
		}
	}
	if dst.restore != nil {
		t.Fatal("a refused offer started a restore")
	}
	// Chunks of a snapshot that was not offered are refused.
	res, err := dst.ApplySnapshotChunk(context.Background(), &abci.ApplySnapshotChunkRequest{Index: 0, Chunk: []byte("x")})
	if err != nil || res.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ABORT {
		t.Fatalf("chunk without an offer: %v %v", res, err)
	}
}

func TestSnapshotsAreKeptAcrossRestarts(t *testing.T) {
	h, snap := snapshotHarness(t)
	h.app.Close()
	h.open()
	res, err := h.app.ListSnapshots(context.Background(), &abci.ListSnapshotsRequest{})
	if err != nil || len(res.Snapshots) != 2 || res.Snapshots[0].Height != snap.Height {
		t.Fatalf("after restart: %v %v", res, err)
	}
}

func TestRestoredNodeRetainsFromItsSnapshot(t *testing.T) {
	src, snap := snapshotHarness(t)
	ctx := context.Background()
	dir := t.TempDir()
	dst := openApp(t, dir, Options{})
	if _, err := dst.OfferSnapshot(ctx, &abci.OfferSnapshotRequest{Snapshot: snap, AppHash: appHashAt(t, src, 10)}); err != nil {
		t.Fatal(err)
	}
	for i := range snap.Chunks {
		if res, err := dst.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: i, Chunk: chunk(t, src, snap, i)}); err != nil || res.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
			t.Fatalf("chunk %d: %v %v", i, res, err)
		}
	}
	dst.Close()
	// Reopened keeping 2 blocks: at height 12 the rule says 10, but the
	// node's blocks start at 11, and CometBFT refuses a retain height
	// below its base; at 13 it is 11.
	re := openApp(t, dir, Options{Retention: Retention{MinRetainBlocks: 2}})
	var got []int64
	for h := int64(11); h <= 13; h++ {
		if _, err := re.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: h, Time: time.Unix(1e9+h, 0)}); err != nil {
			t.Fatal(err)
		}
		res, err := re.Commit(ctx, &abci.CommitRequest{})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.RetainHeight)
	}
	if got[0] != 0 || got[1] != 0 || got[2] != 11 {
		t.Fatalf("retain heights at 11, 12, 13 on a node restored at 10: %v, want [0 0 11]", got)
	}
}
