package devnet

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFreePortsSurviveAPortTakenMeanwhile stages what another process
// does when it binds a port between FreeBasePort's probe and the node's
// own bind: the first two base ports chosen are taken (the RPC port of
// one, whose error CometBFT formats into text, and the P2P port of the
// other, an errno), and the devnet is made again on the third, from
// nothing.
func TestFreePortsSurviveAPortTakenMeanwhile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	var held []int
	hold := func(port int) {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
	}
	picks := 0
	pick := func(n int) (int, error) {
		picks++
		base, err := FreeBasePort(n)
		if err != nil {
			return 0, err
		}
		switch picks {
		case 1:
			hold(base + 1) // gk0's RPC
		case 2:
			hold(base) // gk0's P2P
		}
		held = append(held, base)
		return base, nil
	}
	home := t.TempDir()
	keep := filepath.Join(home, "notes.txt") // what was there before stays
	if err := os.WriteFile(keep, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := Start(ctx, Config{Home: home, Gatekeepers: 1, BlockTime: 100 * time.Millisecond, FreePorts: true, pickBase: pick})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if picks != 3 {
		t.Fatalf("%d base ports chosen, want 3 (two taken)", picks)
	}
	if want := fmt.Sprintf("http://127.0.0.1:%d", held[2]+1); d.Info().Gatekeepers[0].RPC != want {
		t.Fatalf("gk0's RPC at %s, want %s", d.Info().Gatekeepers[0].RPC, want)
	}
	if err := d.WaitHeight(ctx, d.Gatekeeper(0).Height()+2); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine" {
		t.Fatalf("the retries touched a file that was there before: %q, %v", b, err)
	}
	gks, err := os.ReadDir(filepath.Join(home, "gatekeepers"))
	if err != nil || len(gks) != 1 {
		t.Fatalf("gatekeepers: %v, %v", gks, err)
	}
	if created, err := createdBasePort(filepath.Join(home, "gatekeepers", "gk0")); err != nil || created != held[2] {
		t.Fatalf("gk0's config has base port %d (%v), want %d", created, err, held[2])
	}
}

func TestFreePortsRefusesABasePort(t *testing.T) {
	home := t.TempDir()
	_, err := Start(context.Background(), Config{Home: home, BasePort: 30000, FreePorts: true})
	if err == nil || !strings.Contains(err.Error(), "FreePorts") {
		t.Fatalf("FreePorts with a base port: %v", err)
	}
	if es, _ := os.ReadDir(home); len(es) != 0 {
		t.Fatalf("the refused start made %v", es)
	}
}
