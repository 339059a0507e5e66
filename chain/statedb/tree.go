package statedb

import (
	"errors"
	"fmt"

	corestore "cosmossdk.io/core/store"
	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/phalanx-net/phalanx/chain/store"
)

// Options configure a Tree.
type Options struct {
	// KeepRecent is how many past versions stay queryable (with proofs):
	// after committing version v, versions up to v-KeepRecent are deleted
	// (in the background, so they disappear a moment later). Queries at an
	// old height (a client's --height, the dashboard's history) need it.
	// Zero keeps every version.
	KeepRecent int64
	// CacheNodes is the number of IAVL nodes kept in memory.
	CacheNodes int
	// InitialVersion is the version of the first commit, the chain's
	// initial height (1 unless the genesis says otherwise).
	InitialVersion int64
}

// DefaultOptions are the settings a gatekeeper runs with.
func DefaultOptions() Options {
	return Options{KeepRecent: 10_000, CacheNodes: 200_000, InitialVersion: 1}
}

// Tree is the versioned state on disk.
type Tree struct {
	db     *idb.GoLevelDB
	tree   *iavl.MutableTree
	opts   Options
	dir    string
	latest *iavl.ImmutableTree // last committed version, shared by readers
}

// Open opens (or creates) the state under dir and loads its latest
// committed version.
func Open(dir string, opts Options) (*Tree, error) {
	db, err := openDB(dir)
	if err != nil {
		return nil, err
	}
	iopts := []iavl.Option{iavl.AsyncPruningOption(true)}
	if opts.InitialVersion > 1 {
		iopts = append(iopts, iavl.InitialVersionOption(uint64(opts.InitialVersion)))
	}
	t := iavl.NewMutableTree(db, opts.CacheNodes, false, iavl.NewNopLogger(), iopts...)
	if _, err := t.Load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("load state: %w", err)
	}
	tr := &Tree{db: db, tree: t, opts: opts, dir: dir}
	if err := tr.refreshLatest(); err != nil {
		db.Close()
		return nil, err
	}
	return tr, nil
}

func (t *Tree) refreshLatest() error {
	v := t.tree.Version()
	if v == 0 {
		t.latest = nil
		return nil
	}
	im, err := t.tree.GetImmutable(v)
	if err != nil {
		return fmt.Errorf("load state version %d: %w", v, err)
	}
	t.latest = im
	return nil
}

// Version returns the last committed version (0 before the first commit).
func (t *Tree) Version() int64 { return t.tree.Version() }

// Hash returns the root hash of the last committed version.
func (t *Tree) Hash() []byte { return t.tree.Hash() }

// WorkingHash returns the root hash including uncommitted writes: the
// application hash of the block being finalized.
func (t *Tree) WorkingHash() []byte { return t.tree.WorkingHash() }

// Get implements Reader on the working (uncommitted) state.
func (t *Tree) Get(key []byte) []byte {
	v, err := t.tree.Get(key)
	if err != nil {
		fail(err)
	}
	return v
}

// Iterate implements Reader on the working state.
func (t *Tree) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	it, err := t.tree.Iterator(prefix, store.PrefixEnd(prefix), true)
	if err != nil {
		fail(err)
	}
	iterate(it, fn)
}

func iterate(it corestore.Iterator, fn func(key, value []byte) bool) {
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return
		}
	}
	if err := it.Error(); err != nil {
		fail(err)
	}
}

// Set implements KV on the working state.
func (t *Tree) Set(key, value []byte) {
	if _, err := t.tree.Set(key, value); err != nil {
		fail(err)
	}
}

// Delete implements KV on the working state.
func (t *Tree) Delete(key []byte) {
	if _, _, err := t.tree.Remove(key); err != nil {
		fail(err)
	}
}

// Commit saves the working state as the next version, prunes versions
// older than KeepRecent, and returns the new root hash and version.
func (t *Tree) Commit() ([]byte, int64, error) {
	hash, v, err := t.tree.SaveVersion()
	if err != nil {
		return nil, 0, fmt.Errorf("save state version: %w", err)
	}
	if k := t.opts.KeepRecent; k > 0 && v-k > 0 {
		if err := t.tree.DeleteVersionsTo(v - k); err != nil && !errors.Is(err, iavl.ErrVersionDoesNotExist) {
			return nil, 0, fmt.Errorf("prune state to version %d: %w", v-k, err)
		}
	}
	if err := t.refreshLatest(); err != nil {
		return nil, 0, err
	}
	return hash, v, nil
}

// Rollback drops the uncommitted writes.
func (t *Tree) Rollback() { t.tree.Rollback() }

// Snapshot returns a read-only view of a committed version; version 0 means
// the latest. Snapshots stay valid while newer versions are committed.
func (t *Tree) Snapshot(version int64) (*Snapshot, error) {
	if version == 0 || version == t.tree.Version() {
		if t.latest == nil {
			return nil, fmt.Errorf("%w: nothing committed yet", ErrVersionNotFound)
		}
		return &Snapshot{tree: t.latest}, nil
	}
	if !t.tree.VersionExists(version) {
		return nil, fmt.Errorf("%w: version %d (latest %d)", ErrVersionNotFound, version, t.tree.Version())
	}
	im, err := t.tree.GetImmutable(version)
	if err != nil {
		return nil, fmt.Errorf("%w: version %d: %v", ErrVersionNotFound, version, err)
	}
	return &Snapshot{tree: im}, nil
}

// Close closes the tree and its database.
func (t *Tree) Close() error {
	return errors.Join(t.tree.Close(), t.db.Close())
}

// Snapshot is a read-only committed version of the state.
type Snapshot struct {
	tree *iavl.ImmutableTree
}

// Version returns the snapshot's version.
func (s *Snapshot) Version() int64 { return s.tree.Version() }

// Hash returns the snapshot's root hash.
func (s *Snapshot) Hash() []byte { return s.tree.Hash() }

// Get implements Reader.
func (s *Snapshot) Get(key []byte) []byte {
	v, err := s.tree.Get(key)
	if err != nil {
		fail(err)
	}
	return v
}

// Iterate implements Reader.
func (s *Snapshot) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	it, err := s.tree.Iterator(prefix, store.PrefixEnd(prefix), true)
	if err != nil {
		fail(err)
	}
	iterate(it, fn)
}

// Prove returns the value of key (nil if absent) and an ICS-23 proof of it
// against the snapshot's root hash: a membership proof if the key exists,
// else a non-membership proof.
func (s *Snapshot) Prove(key []byte) ([]byte, *ics23.CommitmentProof, error) {
	if len(key) == 0 {
		return nil, nil, store.ErrEmptyKey
	}
	v, err := s.tree.Get(key)
	if err != nil {
		return nil, nil, &store.IOError{Err: err}
	}
	p, err := s.tree.GetProof(key)
	if err != nil {
		return nil, nil, fmt.Errorf("prove key %x: %w", key, err)
	}
	return v, p, nil
}
