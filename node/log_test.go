package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"testing"

	"github.com/cometbft/cometbft/libs/service"
)

// levels records the level of each message logged through it.
type levels struct {
	mu  sync.Mutex
	got map[string]slog.Level
}

func (l *levels) Enabled(context.Context, slog.Level) bool { return true }
func (l *levels) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got[r.Message] = r.Level
	return nil
}
func (l *levels) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *levels) WithGroup(string) slog.Handler      { return l }

func TestCometLoggerDowngradesOnlyExpectedErrors(t *testing.T) {
	rec := &levels{got: map[string]slog.Level{}}
	cl := newCometLogger(slog.New(rec), slog.LevelDebug)
	syncing, running := true, true
	cl.setNode(nodeState{blockSyncing: func() bool { return syncing }, p2pRunning: func() bool { return running }})
	log := cl.With("module", "p2p") // derived loggers share the sync state

	closed := fmt.Errorf("accept tcp 127.0.0.1:26657: %w", net.ErrClosed)
	cases := []struct {
		msg  string
		kv   []any
		want slog.Level
	}{
		{"Stopping peer for error", []any{"peer", "p", "err", io.EOF}, slog.LevelInfo},
		{"Stopping peer for error", []any{"peer", "p", "err", fmt.Errorf("read tcp: %w", syscall.ECONNRESET)}, slog.LevelInfo},
		{"Error stopping pool", []any{"err", service.ErrAlreadyStopped}, slog.LevelInfo},
		{"error stopping peer", []any{"peer", "p", "err", service.ErrAlreadyStopped}, slog.LevelInfo},
		{"Error serving server", []any{"err", closed}, slog.LevelInfo},
		{"Stopped accept routine, as transport is closed", []any{"numPeers", 0}, slog.LevelInfo},
		{"Won't start a peer - switch is not running", []any{"peer", "p"}, slog.LevelInfo},
		{"Tx already received from peer", []any{"tx", "AB", "sender", "p"}, slog.LevelInfo},
		{"failed to add block", []any{"peer", "p", "err", errors.New("got an already committed block #19 (possibly from the slow peer p)")}, slog.LevelInfo},
		{"failed to add block", []any{"peer", "p", "err", errors.New("requested block #19 from q, not p")}, slog.LevelError},
		// The same messages for other causes stay errors.
		{"Error dialing peer", []any{"err", errors.New("connection refused")}, slog.LevelError},
		{"Error serving server", []any{"err", errors.New("tls: bad certificate")}, slog.LevelError},
		{"Error stopping pool", []any{"err", errors.New("disk full")}, slog.LevelError},
		{"Consensus failure", []any{"err", "boom"}, slog.LevelError},
	}
	for _, c := range cases {
		rec.got = map[string]slog.Level{}
		log.Error(c.msg, c.kv...)
		if got := rec.got[c.msg]; got != c.want {
			t.Errorf("%q %v logged at %v, want %v", c.msg, c.kv, got, c.want)
		}
	}
	// EOF is a peer going away; a peer that sends garbage is an error.
	rec.got = map[string]slog.Level{}
	log.Error("Stopping peer for error", "peer", "p", "err", errors.New("invalid message"))
	if got := rec.got["Stopping peer for error"]; got != slog.LevelError {
		t.Errorf("a peer stopped for a bad message logged at %v", got)
	}

	// A block-sync timeout is real while the node syncs, moot after.
	rec.got = map[string]slog.Level{}
	log.Error("SendTimeout", "reason", "peer did not send us anything")
	if got := rec.got["SendTimeout"]; got != slog.LevelError {
		t.Errorf("SendTimeout while syncing logged at %v", got)
	}
	syncing = false
	log.Error("SendTimeout", "reason", "peer did not send us anything")
	if got := rec.got["SendTimeout"]; got != slog.LevelInfo {
		t.Errorf("SendTimeout after the switch to consensus logged at %v", got)
	}

	// A failed dial is an error while the node runs, moot once it stopped.
	rec.got = map[string]slog.Level{}
	log.Error("Error dialing peer", "err", errors.New("dial tcp 127.0.0.1:26656: connect: connection refused"))
	if got := rec.got["Error dialing peer"]; got != slog.LevelError {
		t.Errorf("a running node's failed dial logged at %v", got)
	}
	running = false
	log.Error("Error dialing peer", "err", errors.New("dial tcp 127.0.0.1:26656: connect: connection refused"))
	if got := rec.got["Error dialing peer"]; got != slog.LevelInfo {
		t.Errorf("a stopped node's failed dial logged at %v", got)
	}

	// Before the node exists, it counts as syncing.
	fresh := newCometLogger(slog.New(rec), slog.LevelDebug)
	fresh.Error("SendTimeout")
	if got := rec.got["SendTimeout"]; got != slog.LevelError {
		t.Errorf("SendTimeout before the node is built logged at %v", got)
	}
}
