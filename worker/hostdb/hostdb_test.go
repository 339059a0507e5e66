package hostdb_test

import (
	"testing"

	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/worker/hostdb"
)

// The host's store keeps what the enclave's batches write across a
// reopen, and applies their deletes. (That it holds nothing in the
// clear is the sealed store's part, tested inside the enclave: the host
// is handed hidden keys and sealed values only.)
func TestStoreKeepsBatchesAcrossReopens(t *testing.T) {
	dir := t.TempDir()
	open := func() *hostdb.DB {
		t.Helper()
		d, err := hostdb.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := open()
	if err := d.Apply([]enclave.StoreOp{{Key: []byte("k1"), Value: []byte("v1")}, {Key: []byte("gone"), Value: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Apply([]enclave.StoreOp{{Key: []byte("gone"), Delete: true}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = open()
	defer d.Close()
	if v, err := d.Get([]byte("k1")); err != nil || string(v) != "v1" {
		t.Fatalf("after a reopen: %q, %v", v, err)
	}
	if v, err := d.Get([]byte("gone")); err != nil || v != nil {
		t.Fatalf("a deleted value after a reopen: %q, %v", v, err)
	}
	if v, err := d.Get([]byte("never")); err != nil || v != nil {
		t.Fatalf("an absent key: %q, %v", v, err)
	}
}
