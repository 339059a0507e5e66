package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	out, err := Run("/bin/sh", "-c", "echo out; echo err >&2")
	if err != nil || out != "out\n" {
		t.Fatalf("Run: %q, %v", out, err)
	}
	_, err = Run("/bin/sh", "-c", "echo out; echo err >&2; exit 3")
	var exit *exec.ExitError
	if err == nil || !strings.Contains(err.Error(), "out\nerr\n") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("a failing command: %v", err)
	}
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("the error does not wrap the exit status: %v", err)
	}
}

// SIGSTOP stops the process (its state in /proc is T) and SIGCONT
// continues it; Kill ends it.
func TestProcessSignals(t *testing.T) {
	p, err := Start("sleeper", "/bin/sh", "-c", "exec sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	state := func() string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
		if err != nil {
			return ""
		}
		// pid (comm) state ...: the state follows the last ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		return f[0]
	}
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the stopped state", func() bool { return state() == "T" })
	if err := p.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the process to continue", func() bool { return state() == "S" || state() == "R" })
	p.Kill()
	if !p.Exited() || p.Err() == nil || !strings.Contains(p.Err().Error(), "killed") {
		t.Fatalf("after Kill: exited %v, %v", p.Exited(), p.Err())
	}
	if err := p.Interrupt(); err != nil {
		t.Fatalf("a signal to an ended process: %v", err)
	}
}

func TestWaitTimeout(t *testing.T) {
	p, err := Start("sleeper", "/bin/sh", "-c", "exec sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(50 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "sleeper still running after 50ms") {
		t.Fatalf("Wait: %v", err)
	}
	if !p.Exited() {
		t.Fatal("Wait's timeout did not kill the process")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
