package devnet

import (
	"slices"
	"testing"
)

// Each devnet worker follows every gatekeeper: its own (i mod n) first,
// the primary, then the others, its witnesses and fallbacks.
func TestWorkerNodesOwnGatekeeperFirst(t *testing.T) {
	d := &Devnet{info: Info{Gatekeepers: []GatekeeperInfo{{RPC: "gk0"}, {RPC: "gk1"}, {RPC: "gk2"}}}}
	for i, want := range [][]string{{"gk0", "gk1", "gk2"}, {"gk1", "gk2", "gk0"}, {"gk2", "gk0", "gk1"}, {"gk0", "gk1", "gk2"}} {
		if got := d.workerNodes(i); !slices.Equal(got, want) {
			t.Errorf("worker %d follows %v; want %v", i, got, want)
		}
	}
}
