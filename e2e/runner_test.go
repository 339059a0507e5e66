package e2e

import (
	"testing"
	"time"
)

// phases sums the windows of each shape and takes the latencies of the
// acknowledged transfers signed in it, commands and unacknowledged ones
// left out.
func TestPhases(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	ws := []window{
		{phase: "all up", from: at(0), to: at(10), fromH: 1, toH: 11},
		{phase: "1 gatekeeper down", from: at(10), to: at(20), fromH: 11, toH: 16},
		{phase: "all up", from: at(20), to: at(30), fromH: 16, toH: 26},
	}
	var sent []transfer
	for i := 1; i <= 100; i++ {
		sent = append(sent, transfer{phase: "all up", acked: true, sent: at(0), committed: at(float64(i) / 100)})
	}
	sent = append(sent,
		transfer{phase: "1 gatekeeper down", acked: true, sent: at(10), committed: at(13)},
		transfer{phase: "1 gatekeeper down", acked: false, sent: at(11)},
		transfer{phase: "1 gatekeeper down", acked: true, command: true, sent: at(11), committed: at(30)})
	got := phases(ws, sent)
	if len(got) != 2 {
		t.Fatalf("%d phases: %+v", len(got), got)
	}
	down, up := got[0], got[1]
	if up.Name != "all up" || up.Seconds != 20 || up.Blocks != 20 || up.BlockRate != 1 || up.Transfers != 100 ||
		up.P50 != 510*time.Millisecond || up.P99 != time.Second {
		t.Errorf("all up: %+v", up)
	}
	if down.Name != "1 gatekeeper down" || down.Seconds != 10 || down.Blocks != 5 || down.BlockRate != 0.5 || down.Transfers != 1 ||
		down.P50 != 3*time.Second || down.P99 != 3*time.Second {
		t.Errorf("1 gatekeeper down: %+v", down)
	}
}
