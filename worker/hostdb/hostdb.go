package hostdb

import (
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/phalanx-net/phalanx/enclave"
)

// DB is a goleveldb database that implements enclave.Backend.
type DB struct{ db *leveldb.DB }

var _ enclave.Backend = (*DB)(nil)

// Open opens (or creates) the database in dir.
func Open(dir string) (*DB, error) {
	db, err := leveldb.OpenFile(dir, &opt.Options{})
	if err != nil {
		return nil, fmt.Errorf("host store %s: %w", dir, err)
	}
	return &DB{db: db}, nil
}

// Get returns the value under key; nil, nil if absent.
func (d *DB) Get(key []byte) ([]byte, error) {
	v, err := d.db.Get(key, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// Apply writes ops atomically and durably (synced before it returns).
func (d *DB) Apply(ops []enclave.StoreOp) error {
	var b leveldb.Batch
	for _, op := range ops {
		if op.Delete {
			b.Delete(op.Key)
		} else {
			b.Put(op.Key, op.Value)
		}
	}
	return d.db.Write(&b, &opt.WriteOptions{Sync: true})
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }
