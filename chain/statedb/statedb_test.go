package statedb

import (
	"errors"
	"fmt"
	"github.com/phalanx-net/phalanx/chain/store"
	"slices"
	"testing"
	"time"
)

func collect(r store.Reader, prefix string) []string {
	var out []string
	r.Iterate([]byte(prefix), func(k, v []byte) bool {
		out = append(out, string(k)+"="+string(v))
		return true
	})
	return out
}

func openTree(t *testing.T, dir string) *Tree {
	t.Helper()
	tr, err := Open(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestCacheOverlay(t *testing.T) {
	tr := openTree(t, t.TempDir())
	defer tr.Close()
	for _, k := range []string{"a/1", "a/3", "a/5", "b/1"} {
		tr.Set([]byte(k), []byte("p"))
	}
	c := store.NewCache(tr)
	c.Set([]byte("a/2"), []byte("c"))
	c.Set([]byte("a/3"), []byte("c"))
	c.Delete([]byte("a/5"))
	c.Set([]byte("a/9"), []byte("c"))
	got := collect(c, "a/")
	want := []string{"a/1=p", "a/2=c", "a/3=c", "a/9=c"}
	if !slices.Equal(got, want) {
		t.Fatalf("merged iteration = %v, want %v", got, want)
	}
	if c.Get([]byte("a/5")) != nil || string(c.Get([]byte("a/1"))) != "p" {
		t.Fatal("Get does not see the overlay")
	}
	// Stopping early stops.
	n := 0
	c.Iterate([]byte("a/"), func(k, v []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("iteration went on after false: %d", n)
	}
	var changed []string
	c.Changes([]byte("a/"), func(k, v []byte) { changed = append(changed, fmt.Sprintf("%s:%v", k, v == nil)) })
	if !slices.Equal(changed, []string{"a/2:false", "a/3:false", "a/5:true", "a/9:false"}) {
		t.Fatalf("changes = %v", changed)
	}
	// Nested caches: a discarded child leaves the parent unchanged.
	child := store.NewCache(c)
	child.Set([]byte("a/1"), []byte("x"))
	child.Discard()
	if string(c.Get([]byte("a/1"))) != "p" {
		t.Fatal("discarded write leaked")
	}
	c.Write(tr)
	if got := collect(tr, "a/"); !slices.Equal(got, want) {
		t.Fatalf("after write = %v, want %v", got, want)
	}
}

func TestTreePersistsAndProves(t *testing.T) {
	dir := t.TempDir()
	tr := openTree(t, dir)
	tr.Set([]byte("k1"), []byte("v1"))
	tr.Set([]byte("k3"), []byte("v3"))
	working := tr.WorkingHash()
	h1, v, err := tr.Commit()
	if err != nil || v != 1 {
		t.Fatalf("commit: v=%d err=%v", v, err)
	}
	if string(h1) != string(working) {
		t.Fatal("committed hash differs from the working hash")
	}
	tr.Set([]byte("k1"), []byte("v1b"))
	if _, _, err := tr.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}

	tr = openTree(t, dir)
	defer tr.Close()
	if tr.Version() != 2 {
		t.Fatalf("reopened at version %d, want 2", tr.Version())
	}
	old, err := tr.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	if string(old.Get([]byte("k1"))) != "v1" || string(old.Hash()) != string(h1) {
		t.Fatal("version 1 changed")
	}
	snap, err := tr.Snapshot(0)
	if err != nil {
		t.Fatal(err)
	}
	val, p, err := snap.Prove([]byte("k1"))
	if err != nil {
		t.Fatal(err)
	}
	ops, err := store.ProofOps([]byte("k1"), p)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.VerifyProof(snap.Hash(), []byte("k1"), val, ops); err != nil {
		t.Fatalf("membership proof: %v", err)
	}
	if err := store.VerifyProof(snap.Hash(), []byte("k1"), []byte("forged"), ops); !errors.Is(err, store.ErrBadProof) {
		t.Fatalf("forged value: %v", err)
	}
	if err := store.VerifyProof(h1, []byte("k1"), val, ops); !errors.Is(err, store.ErrBadProof) {
		t.Fatalf("wrong root: %v", err)
	}
	absent, p2, err := snap.Prove([]byte("k2"))
	if err != nil || absent != nil {
		t.Fatalf("absent key: %q %v", absent, err)
	}
	ops2, _ := store.ProofOps([]byte("k2"), p2)
	if err := store.VerifyProof(snap.Hash(), []byte("k2"), nil, ops2); err != nil {
		t.Fatalf("non-membership proof: %v", err)
	}
	if err := store.VerifyProof(snap.Hash(), []byte("k2"), []byte("v"), ops2); !errors.Is(err, store.ErrBadProof) {
		t.Fatalf("non-membership proof accepted as membership: %v", err)
	}
	if _, err := tr.Snapshot(7); !errors.Is(err, ErrVersionNotFound) {
		t.Fatalf("future version: %v", err)
	}
}

func TestRollbackDropsWorkingWrites(t *testing.T) {
	tr := openTree(t, t.TempDir())
	defer tr.Close()
	tr.Set([]byte("a"), []byte("1"))
	h, _, _ := tr.Commit()
	tr.Set([]byte("a"), []byte("2"))
	tr.Rollback()
	if string(tr.Get([]byte("a"))) != "1" || string(tr.WorkingHash()) != string(h) {
		t.Fatal("rollback kept the write")
	}
}

// commitN commits n versions that each change key "k" and add one key of
// their own, and returns the root hash of each version by number.
func commitN(t *testing.T, tr *Tree, n int) map[int64][]byte {
	t.Helper()
	hashes := map[int64][]byte{}
	for i := 0; i < n; i++ {
		tr.Set([]byte("k"), []byte{byte(i)})
		tr.Set([]byte(fmt.Sprintf("v/%03d", i)), []byte("x"))
		h, v, err := tr.Commit()
		if err != nil {
			t.Fatal(err)
		}
		hashes[v] = h
	}
	return hashes
}

func TestPruningDeletesOldVersionsAndKeepsRecentProvable(t *testing.T) {
	tr, err := Open(t.TempDir(), Options{KeepRecent: 3, CacheNodes: 100, InitialVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	hashes := commitN(t, tr, 10)
	// Pruning runs in the background: versions up to 10-3 go a moment
	// after the commit.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := tr.Snapshot(7)
		if errors.Is(err, ErrVersionNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("version 7 still readable after pruning to 7: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for v := int64(1); v <= 7; v++ {
		if _, err := tr.Snapshot(v); !errors.Is(err, ErrVersionNotFound) {
			t.Errorf("version %d: %v, want ErrVersionNotFound", v, err)
		}
	}
	for v := int64(8); v <= 10; v++ {
		s, err := tr.Snapshot(v)
		if err != nil {
			t.Fatalf("recent version %d: %v", v, err)
		}
		val, p, err := s.Prove([]byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		if len(val) != 1 || val[0] != byte(v-1) {
			t.Fatalf("version %d: k = %x", v, val)
		}
		ops, _ := store.ProofOps([]byte("k"), p)
		if err := store.VerifyProof(hashes[v], []byte("k"), val, ops); err != nil {
			t.Fatalf("version %d does not prove: %v", v, err)
		}
	}
}

func TestKeepRecentZeroKeepsEveryVersion(t *testing.T) {
	tr, err := Open(t.TempDir(), Options{KeepRecent: 0, CacheNodes: 100, InitialVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	commitN(t, tr, 5)
	for v := int64(1); v <= 5; v++ {
		if _, err := tr.Snapshot(v); err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
	}
}

func TestExportImportRebuildsTheSameTree(t *testing.T) {
	src, err := Open(t.TempDir(), Options{KeepRecent: 2, CacheNodes: 100, InitialVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	hashes := commitN(t, src, 20)
	snap, err := src.Snapshot(20)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []ExportNode
	if err := snap.Export(func(n ExportNode) error { nodes = append(nodes, n); return nil }); err != nil {
		t.Fatal(err)
	}
	dst := openTree(t, t.TempDir())
	defer dst.Close()
	// A wrong node order is refused; Reset gets back to an empty tree.
	bad, err := dst.Import(20)
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Add(nodes[len(nodes)-1]); err != nil { // the root first
		t.Fatal(err) // IAVL takes it; Commit finds the shape wrong
	}
	for _, n := range nodes[:len(nodes)-1] {
		if bad.Add(n) != nil {
			break
		}
	}
	if err := bad.Commit(); err == nil && string(dst.Hash()) == string(hashes[20]) {
		t.Fatal("a reordered export rebuilt the same tree")
	}
	bad.Close()
	if err := dst.Reset(); err != nil {
		t.Fatal(err)
	}
	if dst.Version() != 0 {
		t.Fatalf("after Reset the tree is at version %d", dst.Version())
	}
	imp, err := dst.Import(20)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if err := imp.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Commit(); err != nil {
		t.Fatal(err)
	}
	if dst.Version() != 20 || string(dst.Hash()) != string(hashes[20]) {
		t.Fatalf("imported version %d hash %x, want 20 %x", dst.Version(), dst.Hash(), hashes[20])
	}
	if got := collect(dst, "v/"); len(got) != 20 {
		t.Fatalf("imported %d keys under v/, want 20", len(got))
	}
	// The imported tree goes on committing like any other.
	dst.Set([]byte("k"), []byte("next"))
	if _, v, err := dst.Commit(); err != nil || v != 21 {
		t.Fatalf("commit after import: version %d, %v", v, err)
	}
	if _, err := dst.Import(30); err == nil {
		t.Fatal("import into a tree with state was allowed")
	}
}
