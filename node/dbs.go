package node

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cockroachdb/pebble"
	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
)

// dbTracker opens CometBFT's databases and closes, after the node stopped,
// those CometBFT leaves open: v1.0.1's Node.OnStop does not close the
// transaction index, so without this a node cannot start again in the same
// process (the devnet restarts gatekeepers).
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

func (t *dbTracker) closeAll() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for _, db := range t.dbs {
		errs = append(errs, db.Close())
	}
	t.dbs = nil
	return errors.Join(errs...)
}

// onceCloseDB makes Close idempotent, so CometBFT's own Close and ours do
// not both reach the database.
type onceCloseDB struct {
	dbm.DB
	once sync.Once
	err  error
}

func (d *onceCloseDB) Close() error {
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
