//go:build phalanxliar

package devnet

import (
	"context"
	"testing"
	"time"
)

// The helpers of liar_test.go, which is still in the package's internal
// tests; the other tests start their devnets with devnettest.Start, and
// so will it.

func mustFreeBasePort(t *testing.T, n int) int {
	p, err := FreeBasePort(n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
