package statedb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"

	"github.com/phalanx-net/phalanx/chain/store"
)

// ExportNode is one node of a committed version of the tree, in the order
// Export yields them (depth-first, post-order): the unit of a state sync
// snapshot. Leaves (Height 0) carry a value; inner nodes carry the key
// that splits their subtrees and no value.
type ExportNode struct {
	Key     []byte
	Value   []byte
	Version int64
	Height  int8
}

// Exporter yields the nodes of one committed version of the tree. While
// it is open the version is not pruned (IAVL counts it as a reader), so a
// caller that must export a version later, in another goroutine, opens
// the exporter first.
type Exporter struct {
	ex      *iavl.Exporter
	version int64
}

// Exporter opens an exporter of the snapshot's version.
func (s *Snapshot) Exporter() (*Exporter, error) {
	ex, err := s.tree.Export()
	if err != nil {
		return nil, fmt.Errorf("export state version %d: %w", s.Version(), err)
	}
	return &Exporter{ex: ex, version: s.Version()}, nil
}

// Each calls yield with every node, in IAVL's export order (depth-first,
// post-order): importing them in that order into an empty tree rebuilds
// the same tree and the same root hash. It closes the exporter.
func (e *Exporter) Each(yield func(ExportNode) error) error {
	defer e.Close()
	for {
		n, err := e.ex.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("export state version %d: %w", e.version, err)
		}
		if err := yield(ExportNode{Key: n.Key, Value: n.Value, Version: n.Version, Height: n.Height}); err != nil {
			return err
		}
	}
}

// Close releases the exporter; it is safe to call more than once.
func (e *Exporter) Close() { e.ex.Close() }

// Export calls yield with every node of the snapshot's tree (see
// Exporter.Each).
func (s *Snapshot) Export(yield func(ExportNode) error) error {
	ex, err := s.Exporter()
	if err != nil {
		return err
	}
	return ex.Each(yield)
}

// Importer rebuilds a version of the tree from exported nodes. It is made
// by Tree.Import on an empty tree; nothing is visible until Commit.
type Importer struct {
	t   *Tree
	imp *iavl.Importer
}

// Import starts rebuilding version into the tree, which must be empty
// (nothing committed).
func (t *Tree) Import(version int64) (*Importer, error) {
	if v := t.tree.Version(); v != 0 {
		return nil, fmt.Errorf("import state version %d: the state already has version %d", version, v)
	}
	imp, err := t.tree.Import(version)
	if err != nil {
		return nil, fmt.Errorf("import state version %d: %w", version, err)
	}
	return &Importer{t: t, imp: imp}, nil
}

// Add adds the next node, in export order. An error means the nodes do
// not form a tree: the import cannot go on.
func (i *Importer) Add(n ExportNode) error {
	if n.Height < 0 {
		return fmt.Errorf("import: node height %d", n.Height)
	}
	if n.Height == 0 && n.Value == nil {
		return errors.New("import: leaf without a value")
	}
	if n.Height > 0 && n.Value != nil {
		return errors.New("import: inner node with a value")
	}
	if len(n.Key) == 0 {
		return store.ErrEmptyKey
	}
	if err := i.imp.Add(&iavl.ExportNode{Key: n.Key, Value: n.Value, Version: n.Version, Height: n.Height}); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// Commit writes the imported version and makes it the tree's latest. The
// caller compares the tree's Hash with the one it trusts.
func (i *Importer) Commit() error {
	if err := i.imp.Commit(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return i.t.refreshLatest()
}

// Close ends an import that was not committed.
func (i *Importer) Close() { i.imp.Close() }

// Reset deletes the whole state and reopens the tree empty. A failed
// import leaves nodes in the database (IAVL flushes as it goes) or a
// committed version whose hash did not match; Reset is how the
// application gets back to the empty state a new import needs.
func (t *Tree) Reset() error {
	if err := t.Close(); err != nil {
		return fmt.Errorf("reset state: %w", err)
	}
	if err := os.RemoveAll(filepath.Join(t.dir, "application.db")); err != nil {
		return fmt.Errorf("reset state: %w", err)
	}
	nt, err := Open(t.dir, t.opts)
	if err != nil {
		return err
	}
	*t = *nt
	return nil
}

// openDB opens the state database under dir.
func openDB(dir string) (*idb.GoLevelDB, error) {
	db, err := idb.NewGoLevelDB(dbName, dir)
	if err != nil {
		return nil, fmt.Errorf("open state database in %s: %w", dir, err)
	}
	return db, nil
}

// dbName is the state database's name: it lives in dir/application.db.
const dbName = "application"
