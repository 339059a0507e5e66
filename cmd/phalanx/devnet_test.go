package main

import (
	"bytes"
	"context"
	"fmt"
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
// waits until it says it is running.
func startDevnetCmd(t *testing.T, ctx context.Context, home string, port int) *cmdDevnet {
	t.Helper()
	t.Chdir(t.TempDir()) // nothing of the repository is at hand from here
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
			t.Fatalf("phalanx devnet ended: %v\n%s", err, d.out.String())
		case <-ctx.Done():
			t.Fatalf("phalanx devnet did not start: %v\n%s", ctx.Err(), d.out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return d
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
