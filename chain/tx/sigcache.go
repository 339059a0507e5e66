package tx

import "sync"

// Memo is a bounded map from transaction hash to something worked out from
// the transaction's bytes alone, such as "its signature verifies" or its
// decoded form. Such a value never changes for given bytes, so a hit is as
// good as working it out again.
//
// It keeps two generations of at most size/2 entries and drops the older
// when the newer fills: cheap, and what was used recently stays.
type Memo[V any] struct {
	mu       sync.Mutex
	cur, old map[[32]byte]V
	half     int
}

// NewMemo returns a memo of at most size entries.
func NewMemo[V any](size int) *Memo[V] {
	half := max(size/2, 1)
	return &Memo[V]{cur: make(map[[32]byte]V, half), old: map[[32]byte]V{}, half: half}
}

// Get returns the value for a hash.
func (m *Memo[V]) Get(h [32]byte) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.cur[h]; ok {
		return v, true
	}
	v, ok := m.old[h]
	return v, ok
}

// Put records the value for a hash.
func (m *Memo[V]) Put(h [32]byte, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.cur) >= m.half {
		m.old, m.cur = m.cur, make(map[[32]byte]V, m.half)
	}
	m.cur[h] = v
}

// Len returns the number of entries.
func (m *Memo[V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur) + len(m.old)
}

// SigCache remembers transactions whose signatures verified, by the hash of
// their bytes. A gatekeeper checks each transaction when it enters the
// mempool (CheckTx), again on every recheck after a block, and once more
// when the block is executed; with the cache it verifies once. Nodes in one
// process (the devnet) share the process's cache.
type SigCache struct{ m *Memo[struct{}] }

// NewSigCache returns a cache of at most size entries.
func NewSigCache(size int) *SigCache { return &SigCache{m: NewMemo[struct{}](size)} }

// Verified reports whether the transaction with this hash verified before.
func (c *SigCache) Verified(h [32]byte) bool {
	_, ok := c.m.Get(h)
	return ok
}

// Add records that the transaction with this hash verified.
func (c *SigCache) Add(h [32]byte) { c.m.Put(h, struct{}{}) }

// sharedSigCache is the process's cache; 1<<18 entries cost about 20 MB.
var sharedSigCache = NewSigCache(1 << 18)

// SharedSigCache returns the process-wide cache.
func SharedSigCache() *SigCache { return sharedSigCache }
