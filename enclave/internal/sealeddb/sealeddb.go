package sealeddb

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/crypto/domain"
)

// ErrCorrupt is returned for a stored value that does not open: the host
// changed it, or the store belongs to another enclave.
var ErrCorrupt = errors.New("sealed store value does not open")

// Backend is the host's key/value store the sealed entries live in. The
// host provides it (a database on its disk), so the enclave links none;
// it sees only hidden keys and sealed values.
type Backend interface {
	// Get returns the value under key; nil, nil if absent.
	Get(key []byte) ([]byte, error)
	// Apply writes ops atomically and durably.
	Apply(ops []Op) error
	Close() error
}

// Op is one write of a batch: a Value put under Key, or Key deleted.
type Op struct {
	Key, Value []byte
	Delete     bool
}

// DB is an open store. It is safe for concurrent use if its backend is.
type DB struct {
	db     Backend
	macKey []byte
	aead   cipher.AEAD
}

// Open opens the store kept in backend under a 32-byte key; closing the
// store closes the backend.
func Open(backend Backend, key []byte) (*DB, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("sealeddb: key of %d bytes, want 32", len(key))
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(domain.SealedDBMACKey))
	macKey := mac.Sum(nil)
	mac = hmac.New(sha256.New, key)
	mac.Write([]byte(domain.SealedDBValueKey))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &DB{db: backend, macKey: macKey, aead: aead}, nil
}

// Close closes the store.
func (d *DB) Close() error { return d.db.Close() }

// hide maps a namespace and key to the key stored on disk.
func (d *DB) hide(ns, key []byte) []byte {
	m := hmac.New(sha256.New, d.macKey)
	m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(ns))))
	m.Write(ns)
	m.Write(key)
	return m.Sum(nil)
}

// Get returns the value under ns and key; nil, nil if absent.
func (d *DB) Get(ns, key []byte) ([]byte, error) {
	h := d.hide(ns, key)
	v, err := d.db.Get(h)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	ns2 := d.aead.NonceSize()
	if len(v) < ns2+d.aead.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := d.aead.Open(nil, v[:ns2], v[ns2:], h)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// Batch collects writes to apply at once.
type Batch struct {
	d   *DB
	ops []Op
}

// NewBatch starts a batch.
func (d *DB) NewBatch() *Batch { return &Batch{d: d} }

// Set records a write of value under ns and key.
func (b *Batch) Set(ns, key, value []byte) {
	h := b.d.hide(ns, key)
	nonce := make([]byte, b.d.aead.NonceSize(), b.d.aead.NonceSize()+len(value)+b.d.aead.Overhead())
	rand.Read(nonce)
	b.ops = append(b.ops, Op{Key: h, Value: b.d.aead.Seal(nonce, nonce, value, h)})
}

// Delete records the removal of ns and key.
func (b *Batch) Delete(ns, key []byte) {
	b.ops = append(b.ops, Op{Key: b.d.hide(ns, key), Delete: true})
}

// Write applies the batch atomically and durably.
func (b *Batch) Write() error { return b.d.db.Apply(b.ops) }
