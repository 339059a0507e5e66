package envelope

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// TestReplayWindowModel compares the bitmap against a plain set of every
// number accepted, over random walks with small steps and large jumps.
func TestReplayWindowModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var w replayWindow
	seen := map[uint64]bool{}
	var high uint64
	for i := range 200000 {
		var seq uint64
		switch r := rng.IntN(100); {
		case r < 2:
			seq = high + uint64(rng.IntN(3*ReplayWindow)) // jump ahead
		case r < 50 || high < ReplayWindow+64:
			seq = high + uint64(rng.IntN(8))
		default:
			seq = high - uint64(rng.IntN(ReplayWindow+64)) // in the window or just below
		}
		want := !seen[seq] && (len(seen) == 0 || seq > high || high-seq < ReplayWindow)
		err := w.accept(seq)
		if got := err == nil; got != want {
			t.Fatalf("step %d: accept(%d) with highest %d = %v, want accepted %v", i, seq, high, err, want)
		}
		if err != nil && !errors.Is(err, ErrReplay) {
			t.Fatalf("step %d: untyped error %v", i, err)
		}
		if err == nil {
			seen[seq] = true
			if seq > high {
				high = seq
			}
		}
	}
}
