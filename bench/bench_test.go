package bench

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestRunSmall runs the whole benchmark pipeline briefly on one gatekeeper:
// it must commit transfers (all of them valid) and bare transactions.
// The figures themselves are for docs/performance.md, not for a test.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two networks")
	}
	r, err := Run(context.Background(), Config{
		Gatekeepers: benchGatekeepers(), Duration: benchWindow(), Warmup: time.Second, BlockTime: 200 * time.Millisecond,
		Log:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Accounts: 50, MaxTxs: 30000 * int(benchWindow().Seconds()+2),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Phalanx.Committed == 0 || r.Bare.Committed == 0 {
		t.Fatalf("nothing committed: %+v", r)
	}
	if r.Phalanx.Refused != 0 {
		t.Fatalf("%d transfers refused: the load generator sent invalid transactions", r.Phalanx.Refused)
	}
	if r.Phalanx.TxBytes < 100 {
		t.Fatalf("transfer size %d", r.Phalanx.TxBytes)
	}
	t.Logf("phalanx %.0f tx/s, bare %.0f tx/s", r.Phalanx.TxsPerSecond, r.Bare.TxsPerSecond)
}

// benchWindow is 2 s, or PHALANX_BENCH_WINDOW for profiling runs.
func benchWindow() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("PHALANX_BENCH_WINDOW")); err == nil {
		return d
	}
	return 2 * time.Second
}

// benchGatekeepers is 1, or PHALANX_BENCH_GATEKEEPERS for profiling runs.
func benchGatekeepers() int {
	if n, err := strconv.Atoi(os.Getenv("PHALANX_BENCH_GATEKEEPERS")); err == nil {
		return n
	}
	return 1
}
