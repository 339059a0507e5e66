package bench

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestRunSyncSmall builds a short chain and checks that the follower
// verified all of it and resumed from its checkpoint. PHALANX_BENCH_SYNC_BLOCKS
// sets the chain's length for a full run, PHALANX_BENCH_SYNC_PROFILE a file
// for a CPU profile of the sync alone.
func TestRunSyncSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	cfg := SyncConfig{Blocks: 200, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if n, err := strconv.ParseInt(os.Getenv("PHALANX_BENCH_SYNC_BLOCKS"), 10, 64); err == nil {
		cfg.Blocks = n
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if n, err := strconv.Atoi(os.Getenv("PHALANX_BENCH_SYNC_BATCH")); err == nil {
		cfg.Batch = n
	}
	if n, err := strconv.Atoi(os.Getenv("PHALANX_BENCH_SYNC_PREFETCH")); err == nil {
		cfg.Prefetch = n
	}
	if n, err := strconv.Atoi(os.Getenv("PHALANX_BENCH_SYNC_MAX_BATCH")); err == nil {
		cfg.MaxRequestBatchSize = n
	}
	cfg.Live = os.Getenv("PHALANX_BENCH_SYNC_LIVE") != ""
	if p := os.Getenv("PHALANX_BENCH_SYNC_PROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfg.CPUProfile = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	r, err := RunSync(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Blocks != cfg.Blocks || r.BlocksPerSecond <= 0 || r.Restart <= 0 || r.CheckpointBytes == 0 {
		t.Fatalf("result %+v", r)
	}
	if r.TxBlocks == 0 || r.Submitted == 0 {
		t.Fatalf("no transactions in the chain: %+v", r)
	}
	t.Logf("%d blocks (%d with transfers, %d transfers) built in %s; synced from genesis in %s: %.0f blocks/s; restart %s (slowest %s); checkpoint %d bytes",
		r.Blocks, r.TxBlocks, r.Submitted, r.Build.Round(time.Millisecond), r.Sync.Round(time.Millisecond), r.BlocksPerSecond,
		r.Restart.Round(time.Microsecond), r.RestartMax.Round(time.Microsecond), r.CheckpointBytes)
}
