package sealeddb

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRoundTripAndNothingInTheClear(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	d, err := Open(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	b := d.NewBatch()
	b.Set([]byte("contract-a"), []byte("balance/alice"), []byte("SECRET-MARKER-42"))
	b.Set([]byte("contract-b"), []byte("balance/alice"), []byte("other"))
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	if v, err := d.Get([]byte("contract-a"), []byte("balance/alice")); err != nil || string(v) != "SECRET-MARKER-42" {
		t.Fatalf("get: %q, %v", v, err)
	}
	if v, err := d.Get([]byte("contract-b"), []byte("balance/alice")); err != nil || string(v) != "other" {
		t.Fatalf("namespaces mix: %q, %v", v, err)
	}
	if v, err := d.Get([]byte("contract-a"), []byte("missing")); err != nil || v != nil {
		t.Fatalf("absent: %q, %v", v, err)
	}
	b = d.NewBatch()
	b.Delete([]byte("contract-a"), []byte("balance/alice"))
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Get([]byte("contract-a"), []byte("balance/alice")); v != nil {
		t.Fatal("deleted value still there")
	}
	d.Close()
	// No key or value appears in the files.
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
	// Another key cannot read the store.
	other, err := Open(dir, bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if v, err := other.Get([]byte("contract-b"), []byte("balance/alice")); v != nil || err != nil {
		t.Fatalf("another key found the value: %q, %v", v, err)
	}
}

func TestTamperedValueIsRefused(t *testing.T) {
	d, err := Open(t.TempDir(), bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b := d.NewBatch()
	b.Set([]byte("n"), []byte("k1"), []byte("v1"))
	b.Set([]byte("n"), []byte("k2"), []byte("v2"))
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	// The host moves k2's sealed value under k1's key.
	v2, _ := d.db.Get(d.hide([]byte("n"), []byte("k2")), nil)
	d.db.Put(d.hide([]byte("n"), []byte("k1")), v2, nil)
	if _, err := d.Get([]byte("n"), []byte("k1")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("moved value: %v", err)
	}
}
