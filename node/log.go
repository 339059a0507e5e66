package node

import (
	"context"
	"log/slog"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// cometLogger adapts CometBFT's logger interface to log/slog, so a node's
// logs, CometBFT's included, come out in one structured stream.
type cometLogger struct {
	l *slog.Logger
}

// CometLogger returns a CometBFT logger that writes to l. Records below
// min are dropped before they are formatted: CometBFT logs a lot at debug
// and info level.
func CometLogger(l *slog.Logger, min slog.Level) cmtlog.Logger {
	return cometLogger{l: slog.New(FilterLevel(l.Handler(), min))}
}

func (c cometLogger) Debug(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c cometLogger) Info(msg string, kv ...any)  { c.l.Info(msg, kv...) }
func (c cometLogger) Error(msg string, kv ...any) { c.l.Error(msg, kv...) }
func (c cometLogger) With(kv ...any) cmtlog.Logger {
	return cometLogger{l: c.l.With(kv...)}
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
