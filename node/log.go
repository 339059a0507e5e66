package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"syscall"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/libs/service"
)

// cometLogger adapts CometBFT's logger interface to log/slog, so a node's
// logs, CometBFT's included, come out in one structured stream.
type cometLogger struct {
	l *slog.Logger
	// node tells what the node is doing; it is shared by every logger
	// derived with With and set once the node is built. Before that it
	// is nil: no condition counts as expected.
	node *atomic.Pointer[nodeState]
}

// nodeState is what expectedError asks of the node.
type nodeState struct {
	blockSyncing func() bool // block sync has not handed over to consensus
	p2pRunning   func() bool // the p2p switch runs: the node has not stopped
}

// newCometLogger returns a CometBFT logger that writes to l. Records below
// min are dropped before they are formatted: CometBFT logs a lot at debug
// and info level.
func newCometLogger(l *slog.Logger, min slog.Level) cometLogger {
	return cometLogger{l: slog.New(FilterLevel(l.Handler(), min)), node: new(atomic.Pointer[nodeState])}
}

// setNode tells the logger how to see what the node does (see
// expectedError).
func (c cometLogger) setNode(st nodeState) { c.node.Store(&st) }

// syncing reports whether the node block-syncs (true before it exists).
func (c cometLogger) syncing() bool {
	st := c.node.Load()
	return st == nil || st.blockSyncing()
}

// stopped reports whether the node's p2p switch has stopped (false before
// the node exists).
func (c cometLogger) stopped() bool {
	st := c.node.Load()
	return st != nil && !st.p2pRunning()
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
	return cometLogger{l: c.l.With(kv...), node: c.node}
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
		// down, reads as EOF, or as a reset if it had unread data;
		// CometBFT redials persistent peers by itself. Other reasons (bad
		// messages, timeouts) stay errors.
		return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
	case "Error dialing peer":
		// v1.0.1 dials persistent peers from goroutines that sleep up to
		// three seconds first and outlive the switch: a node stopped soon
		// after it started still dials, and finds its peers stopped too.
		// A dial by a running node that fails stays an error.
		return c.stopped()
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
	case "failed to add block":
		// Near the tip block sync asks two peers for each block, so the
		// slower copy arrives after the block was applied; CometBFT's pool
		// says so itself and does not punish the peer. Its error has no
		// type: the text is all there is. Other failures stay errors.
		return err != nil && strings.HasPrefix(err.Error(), "got an already committed block")
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
