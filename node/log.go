package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync/atomic"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/libs/service"
)

// cometLogger adapts CometBFT's logger interface to log/slog, so a node's
// logs, CometBFT's included, come out in one structured stream.
type cometLogger struct {
	l *slog.Logger
	// blockSyncing reports whether the node is still block-syncing; it is
	// shared by every logger derived with With and set once the node is
	// built. Nil (before that) counts as syncing.
	blockSyncing *atomic.Pointer[func() bool]
}

// newCometLogger returns a CometBFT logger that writes to l. Records below
// min are dropped before they are formatted: CometBFT logs a lot at debug
// and info level.
func newCometLogger(l *slog.Logger, min slog.Level) cometLogger {
	return cometLogger{l: slog.New(FilterLevel(l.Handler(), min)), blockSyncing: new(atomic.Pointer[func() bool])}
}

// setBlockSyncing tells the logger how to know whether the node still
// block-syncs (see expectedError).
func (c cometLogger) setBlockSyncing(f func() bool) { c.blockSyncing.Store(&f) }

func (c cometLogger) syncing() bool {
	f := c.blockSyncing.Load()
	return f == nil || (*f)()
}

func (c cometLogger) Debug(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c cometLogger) Info(msg string, kv ...any)  { c.l.Info(msg, kv...) }

// Error logs at error level, except the few messages that CometBFT v1.0.1
// logs as errors for conditions of a normal start or stop (expectedError);
// those go out at info level, where CometBFT logs their siblings.
func (c cometLogger) Error(msg string, kv ...any) {
	level := slog.LevelError
	if c.expectedError(msg, kv) {
		level = slog.LevelInfo
	}
	c.l.Log(context.Background(), level, msg, kv...)
}

func (c cometLogger) With(kv ...any) cmtlog.Logger {
	return cometLogger{l: c.l.With(kv...), blockSyncing: c.blockSyncing}
}

// expectedError reports whether an ERROR record of CometBFT v1.0.1 is in
// fact an expected condition. Each case is one message and, where the
// message also covers real failures, the one cause that is expected; every
// other error stays an error.
func (c cometLogger) expectedError(msg string, kv []any) bool {
	err, _ := attr(kv, "err").(error)
	switch msg {
	case "Stopping peer for error":
		// A peer that closes its connection, as a peer does when it shuts
		// down, reads as EOF; CometBFT redials persistent peers by itself.
		// Other reasons (bad messages, timeouts) stay errors.
		return errors.Is(err, io.EOF)
	case "error stopping peer":
		// The switch may stop one peer from two places at once (its own
		// comment says so); the second finds it stopped.
		return errors.Is(err, service.ErrAlreadyStopped)
	case "Error stopping pool":
		// The block-sync reactor stops its pool when it hands over to
		// consensus and again when the node stops.
		return errors.Is(err, service.ErrAlreadyStopped)
	case "Error serving server":
		// The RPC server's accept loop ends when Node.OnStop closes its
		// listener.
		return errors.Is(err, net.ErrClosed)
	case "Stopped accept routine, as transport is closed":
		// The switch's accept loop ends when Node.OnStop closes the
		// transport; a transport closes at no other time.
		return true
	case "Won't start a peer - switch is not running":
		// A peer that connected just as this node stops.
		return true
	case "Tx already received from peer":
		// v1.0.1's mempool iterator starts again from the front when the
		// entry it stands on is removed (committed), so a node sends a
		// peer again the transactions still pending before that entry
		// (cometbft/cometbft#1147); the receiver drops the copy.
		return true
	case "SendTimeout":
		// After the switch to consensus a block-sync request can no longer
		// be outstanding: v1.0.1's pool, once stopped, may still assign a
		// request to a peer (its requester routine sleeps through the first
		// three seconds without looking whether the pool runs) but never
		// sends it, and the peer's timer fires 15 s later. While the node
		// block-syncs, a timeout is a real one.
		return !c.syncing()
	}
	return false
}

// attr returns the value of key in a CometBFT key-value list, or nil.
func attr(kv []any, key string) any {
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok && k == key {
			return kv[i+1]
		}
	}
	return nil
}

// FilterLevel returns a handler that passes on records of level min and
// above to h.
func FilterLevel(h slog.Handler, min slog.Level) slog.Handler {
	return levelFilter{Handler: h, min: min}
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{Handler: f.Handler.WithAttrs(a), min: f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{Handler: f.Handler.WithGroup(name), min: f.min}
}
