package node

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"
	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
)

// dbTracker opens CometBFT's databases and closes them itself, a moment
// after the node stopped. Two shutdown gaps of CometBFT v1.0.1 make this
// necessary when a node stops inside a process that goes on (the devnet
// restarts gatekeepers): Node.OnStop does not close the transaction index,
// so the node could not start again; and it closes the block store while
// the consensus reactor's per-peer routines may still wake from their sleep
// and read it, which panics in pebble. So CometBFT's own Close calls are
// ignored, and closeAll closes every database once those routines, which
// check whether the node runs each time they wake, have had time to end.
//
// It also gives pebble (CometBFT's default backend) a logger that goes to
// the node's log at debug level: pebble's default prints every WAL replay
// to stderr.
type dbTracker struct {
	mu  sync.Mutex
	dbs []*onceCloseDB
	log *slog.Logger
}

func (t *dbTracker) provider(ctx *cmtcfg.DBContext) (dbm.DB, error) {
	var db dbm.DB
	var err error
	if dbm.BackendType(ctx.Config.DBBackend) == dbm.PebbleDBBackend {
		opts := &pebble.Options{Logger: pebbleLogger{t.log.With("db", ctx.ID)}}
		opts.EnsureDefaults()
		db, err = dbm.NewPebbleDBWithOpts(ctx.ID, ctx.Config.DBDir(), opts)
	} else {
		db, err = cmtcfg.DefaultDBProvider(ctx)
	}
	if err != nil {
		return nil, err
	}
	w := &onceCloseDB{DB: db}
	t.mu.Lock()
	t.dbs = append(t.dbs, w)
	t.mu.Unlock()
	return w, nil
}

func (t *dbTracker) closeAll(grace time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.dbs) > 0 {
		time.Sleep(grace)
	}
	var errs []error
	for _, db := range t.dbs {
		errs = append(errs, db.close())
	}
	t.dbs = nil
	return errors.Join(errs...)
}

// onceCloseDB leaves closing to the tracker: CometBFT's Close is a no-op.
type onceCloseDB struct {
	dbm.DB
	once sync.Once
	err  error
}

// Close is what CometBFT calls; the tracker closes the database later.
func (d *onceCloseDB) Close() error { return nil }

func (d *onceCloseDB) close() error {
	d.once.Do(func() { d.err = d.DB.Close() })
	return d.err
}

type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) { p.l.Debug(fmt.Sprintf(format, args...)) }

// Fatalf is called by pebble on unrecoverable corruption; pebble expects
// it not to return.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error("database failure", "err", msg)
	panic("pebble: " + msg)
}
