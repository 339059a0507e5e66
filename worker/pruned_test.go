package worker_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/internal/syncbuf"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/worker"
)

// TestWorkerBehindPrunedMessagesSaysWhy: a worker whose checkpoint is
// lost after the chain deleted the messages that checkpoint had handled
// stops with an error that says so and what to do, instead of asking for
// ever for a message that is gone.
func TestWorkerBehindPrunedMessagesSaysWhy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	var log syncbuf.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A devnet worker: it joins cluster 0, so it gets messages and posts.
	// Its posts after joining are answers to heartbeat challenges, which
	// come at random: an "hour" of six seconds makes one come every three
	// on average, so the wait below is seconds, not a matter of luck.
	p := devnet.ComputingParams()
	p.Hour = 6
	d, err := devnet.Start(ctx, devnet.Config{Home: t.TempDir(), Gatekeepers: 1, Workers: 1, FreePorts: true, BlockTime: 100 * time.Millisecond,
		Computing: &p, Log: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	info := d.Info()
	id, home := info.Workers[0].ID, info.Workers[0].Home
	cl, err := client.New(info.Gatekeepers[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	count := func(key []byte) uint64 {
		q, err := cl.Get(ctx, "/store", key, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		n, err := mq.DecodeCount(q.Value)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	poll := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case <-ctx.Done():
				t.Fatalf("no %s:\n%s", what, log.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}

	// The worker handles its first messages; its next posts report them
	// handled, and the chain deletes them.
	poll("deletion of the worker's first message", func() bool { return count(mq.EgressFirstKey(id)) >= 1 })
	deleted := count(mq.EgressFirstKey(id))
	if err := d.StopWorker(0); err != nil {
		t.Fatalf("the worker stopped with %v", err)
	}
	// The checkpoint is lost; the sealed keys (the identity) are not.
	if err := os.Remove(filepath.Join(home, worker.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	posted := count(mq.IngressSeqKey(id))
	mark := len(log.String())
	if err := d.StartWorker(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if got := d.Info().Workers[0].ID; got != id {
		t.Fatalf("the restarted worker is %s, not %s", got, id)
	}
	poll("stop of the worker behind the deleted messages", func() bool { return strings.Contains(log.String()[mark:], "worker stopped") })
	runErr := d.StopWorker(0) // Run has returned: its error
	for _, want := range []string{"message 0 was deleted by the chain", "has handled only 0", "start a new worker with a fresh --home"} {
		if !errors.Is(runErr, worker.ErrMessage) || !strings.Contains(runErr.Error(), want) {
			t.Fatalf("the worker behind the deleted messages (%d deleted) stopped with %v; want %q", deleted, runErr, want)
		}
	}
	// It stopped before it sent the chain anything from its empty state.
	if got := count(mq.IngressSeqKey(id)); got != posted {
		t.Fatalf("the stopped worker posted %d message(s)", got-posted)
	}
}
