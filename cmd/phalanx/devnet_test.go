package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/internal/syncbuf"
)

// cmdDevnet is a devnet started as a user starts one: `phalanx devnet`
// (in-process), from a working directory outside the repository.
type cmdDevnet struct {
	t      *testing.T
	home   string
	out    *syncbuf.Buffer
	cancel context.CancelFunc
	done   chan error
}

// startDevnetCmd runs `phalanx devnet` with one gatekeeper and one worker
// in a fresh temporary working directory (for the rest of the test) and
// waits until it says it is running. Its ports are free when chosen; if
// another process takes one before the nodes bind it, the command fails
// with "address already in use" and the devnet is made again, in an
// emptied home, on other ports (as devnet.Config.FreePorts does).
func startDevnetCmd(t *testing.T, ctx context.Context, home string) *cmdDevnet {
	t.Helper()
	t.Chdir(t.TempDir()) // nothing of the repository is at hand from here
	for attempt := 1; ; attempt++ {
		port, err := devnet.FreeBasePort(1)
		if err != nil {
			t.Fatal(err)
		}
		d, err := runDevnetCmd(t, ctx, home, port)
		if err == nil {
			return d
		}
		if attempt == devnet.PortAttempts || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("a port was taken (%v); again on other ports", err)
		es, err := os.ReadDir(home)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if err := os.RemoveAll(filepath.Join(home, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// runDevnetCmd starts `phalanx devnet` on base port port and waits until
// it runs; it returns an error, with the command's output, if the command
// ends first.
func runDevnetCmd(t *testing.T, ctx context.Context, home string, port int) (*cmdDevnet, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	d := &cmdDevnet{t: t, home: home, out: &syncbuf.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	cmd := testRootCmd(strings.NewReader(""), d.out, d.out)
	cmd.SetArgs([]string{"devnet", "--home", home, "--gatekeepers", "1", "--workers", "1",
		// Debug logs, for tests that scan them for what a contract said.
		"--base-port", fmt.Sprint(port), "--block-time", "200ms", "--log-level", "debug"})
	go func() { d.done <- cmd.ExecuteContext(ctx) }()
	for !strings.Contains(d.out.String(), "Press Ctrl-C to stop.") {
		select {
		case err := <-d.done:
			cancel()
			return nil, fmt.Errorf("phalanx devnet ended: %w\n%s", err, d.out.String())
		case <-ctx.Done():
			t.Fatalf("phalanx devnet did not start: %v\n%s", ctx.Err(), d.out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return d, nil
}

// Info reads the devnet's devnet.json.
func (d *cmdDevnet) Info() devnet.Info {
	d.t.Helper()
	info, err := devnet.ReadInfo(d.home)
	if err != nil {
		d.t.Fatal(err)
	}
	return info
}

// Stop stops the devnet as Ctrl-C does, and waits for the command to end.
func (d *cmdDevnet) Stop() error {
	d.cancel()
	select {
	case err := <-d.done:
		return err
	case <-time.After(time.Minute):
		return fmt.Errorf("phalanx devnet did not stop:\n%s", d.out.String())
	}
}

// TestExamplesWithoutGo checks that a machine without the Go toolchain
// gets a devnet with no examples and a clear word why, not a failure.
func TestExamplesWithoutGo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out, errOut bytes.Buffer
	c := &cli{home: t.TempDir(), stdout: &out, stderr: &errOut}
	got, err := exampleContracts(c, "")
	if err != nil || got != nil {
		t.Fatalf("exampleContracts: %v, %d contracts", err, len(got))
	}
	if msg := errOut.String(); !strings.Contains(msg, "the Go toolchain is not installed: no go command on PATH (install Go 1.24 or newer") ||
		!strings.Contains(msg, "No example contracts deployed; the devnet still has its cluster 0.") {
		t.Fatalf("stderr: %s", msg)
	}
}
