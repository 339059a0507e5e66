package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFaultsShort is the short form of the fault run, in every `go test
// ./...`: four gatekeepers and a worker as separate processes, under
// load, through manifests/short.json's kill -9 and restart of a
// gatekeeper, a wiped gatekeeper that block-syncs back, a kill -9 and
// restart of the worker and a paused gatekeeper.
func TestFaultsShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds phalanx and runs a network of processes")
	}
	runManifest(t, "short")
}

// TestFaultsCommands deploys the vault contract and sends deposit
// commands while the worker is killed and restarted and a gatekeeper
// restarts: each command must be executed once, its result recorded once,
// and the vault must hold the sum of the deposits. (It found a worker that
// dropped a result after a restart, refused for its sequence number.)
func TestFaultsCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds phalanx and runs a network of processes")
	}
	runManifest(t, "commands")
}

func runManifest(t *testing.T, name string) {
	m, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "phalanx")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/phalanx").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var log strings.Builder
	r, err := Run(ctx, Config{Binary: bin, Dir: filepath.Join(dir, "net"), Manifest: m, Log: &log})
	t.Log(log.String())
	if err != nil {
		dumpLogs(t, filepath.Join(dir, "net"))
		t.Fatal(err)
	}
	checkReport(t, m, r)
}

// checkReport checks what a run that held reports: every step, the load.
func checkReport(t *testing.T, m Manifest, r *Report) {
	t.Helper()
	if len(r.Steps) != len(m.Perturbations) {
		t.Fatalf("%d steps reported, the manifest has %d", len(r.Steps), len(m.Perturbations))
	}
	if r.Acknowledged == 0 || (m.Commands && r.Commands == 0) || r.Sent-r.Acknowledged-r.Commands > m.Senders+1 {
		t.Fatalf("%d transfers and %d commands acknowledged of %d sent: the load did not run, or more than one per sender is left in flight",
			r.Acknowledged, r.Commands, r.Sent)
	}
	for _, s := range r.Steps {
		if s.Recovered == 0 {
			t.Errorf("step %s: no recovery measured", s.Step)
		}
	}
	t.Logf("%+v", r.Phases)
}

// dumpLogs prints the end of each node's log.
func dumpLogs(t *testing.T, dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, p := range logs {
		b, _ := os.ReadFile(p)
		if len(b) > 6000 {
			b = b[len(b)-6000:]
		}
		t.Logf("--- %s (end)\n%s", filepath.Base(p), b)
	}
}
