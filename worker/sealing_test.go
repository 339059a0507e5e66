package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker"
)

// A worker whose sealing root the gatekeepers' key manager releases
// (what a TDX worker does; sim with TEE.Released here) asks the chain for
// it at every start, registers and works, keeps no key file, and
// recovers its identity when it starts again.
func TestWorkerSealingRootFromTheKeyManager(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	f := startDevnet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	op, err := f.kr.PrivateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cfg := worker.Config{Home: home, Nodes: []string{f.info.Gatekeepers[0].RPC}, Operator: op, Platform: tee.Sim,
		TEE: tee.Options{Released: true}, Poll: 50 * time.Millisecond, BenchmarkSpan: time.Second}
	w, err := worker.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := w.Identity()
	rctx, rcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(rctx) }()
	select {
	case <-w.Registered():
	case err := <-done:
		t.Fatalf("the worker stopped before it registered: %v", err)
	case <-ctx.Done():
		t.Fatal("the worker did not register")
	}
	rcancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, tee.SimSealingKeyFile)); err == nil {
		t.Fatal("the worker wrote a sealing key file")
	}
	if _, err := os.Stat(filepath.Join(home, enclave.WrappedKeyFile)); err != nil {
		t.Fatalf("no wrapped disk key: %v", err)
	}

	again, err := worker.New(ctx, cfg)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer again.Close(ctx)
	if again.Identity() != id {
		t.Fatalf("the restarted worker is %s, was %s", again.Identity(), id)
	}
	if err := again.Round(ctx); err != nil {
		t.Fatalf("the restarted worker's first round: %v", err)
	}
}
