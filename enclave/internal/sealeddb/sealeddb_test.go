package sealeddb

import (
	"bytes"
	"errors"
	"maps"
	"testing"
)

// mem is an in-memory Backend, as a host's database would be.
type mem map[string][]byte

func (m mem) Get(key []byte) ([]byte, error) { return bytes.Clone(m[string(key)]), nil }
func (m mem) Apply(ops []Op) error {
	for _, op := range ops {
		if op.Delete {
			delete(m, string(op.Key))
		} else {
			m[string(op.Key)] = bytes.Clone(op.Value)
		}
	}
	return nil
}
func (mem) Close() error { return nil }

func TestRoundTripAndNothingInTheClear(t *testing.T) {
	host := mem{}
	key := bytes.Repeat([]byte{7}, 32)
	d, err := Open(host, key)
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
	// The host holds no key or value in the clear.
	for k, v := range maps.All(host) {
		for _, s := range []string{"SECRET-MARKER-42", "balance/alice", "contract-a"} {
			if bytes.Contains([]byte(k), []byte(s)) || bytes.Contains(v, []byte(s)) {
				t.Errorf("the host holds %q in the clear", s)
			}
		}
	}
	b = d.NewBatch()
	b.Delete([]byte("contract-a"), []byte("balance/alice"))
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Get([]byte("contract-a"), []byte("balance/alice")); v != nil {
		t.Fatal("deleted value still there")
	}
	// Another key cannot read the store.
	other, err := Open(host, bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := other.Get([]byte("contract-b"), []byte("balance/alice")); v != nil || err != nil {
		t.Fatalf("another key found the value: %q, %v", v, err)
	}
}

func TestTamperedValueIsRefused(t *testing.T) {
	host := mem{}
	d, err := Open(host, bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	b := d.NewBatch()
	b.Set([]byte("n"), []byte("k1"), []byte("v1"))
	b.Set([]byte("n"), []byte("k2"), []byte("v2"))
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	// The host moves k2's sealed value under k1's key.
	host[string(d.hide([]byte("n"), []byte("k1")))] = host[string(d.hide([]byte("n"), []byte("k2")))]
	if _, err := d.Get([]byte("n"), []byte("k1")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("moved value: %v", err)
	}
	// Or cuts a value short.
	host[string(d.hide([]byte("n"), []byte("k2")))] = []byte{1, 2, 3}
	if _, err := d.Get([]byte("n"), []byte("k2")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated value: %v", err)
	}
}
