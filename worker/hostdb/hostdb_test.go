package hostdb_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/phalanx-net/phalanx/enclave/sealeddb"
	"github.com/phalanx-net/phalanx/worker/hostdb"
)

// The sealed store on the host's disk: what is written survives a
// reopen, deletes apply, and no key or value is in the files.
func TestSealedStoreOnDisk(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	open := func() *sealeddb.DB {
		t.Helper()
		h, err := hostdb.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		d, err := sealeddb.Open(h, key)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := open()
	b := d.NewBatch()
	b.Set([]byte("contract-a"), []byte("balance/alice"), []byte("SECRET-MARKER-42"))
	b.Set([]byte("contract-a"), []byte("gone"), []byte("x"))
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	b = d.NewBatch()
	b.Delete([]byte("contract-a"), []byte("gone"))
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = open()
	defer d.Close()
	if v, err := d.Get([]byte("contract-a"), []byte("balance/alice")); err != nil || string(v) != "SECRET-MARKER-42" {
		t.Fatalf("after a reopen: %q, %v", v, err)
	}
	if v, err := d.Get([]byte("contract-a"), []byte("gone")); err != nil || v != nil {
		t.Fatalf("a deleted value after a reopen: %q, %v", v, err)
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		raw, _ := os.ReadFile(p)
		for _, s := range []string{"SECRET-MARKER-42", "balance/alice", "contract-a"} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s holds %q in the clear", p, s)
			}
		}
		return nil
	})
}
