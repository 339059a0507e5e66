package tx

import "sync"

// SigCache remembers transactions whose signatures verified, by the hash of
// their bytes. Verifying is a pure function of the bytes, so a hit is as
// good as verifying again. A gatekeeper checks each transaction when it
// enters the mempool (CheckTx), again on every recheck after a block, and
// once more when the block is executed; with the cache it verifies once.
// Nodes in one process (the devnet) share the process's cache.
//
// The cache is bounded: it keeps two generations of at most size/2 entries
// and drops the older when the newer fills.
type SigCache struct {
	mu       sync.Mutex
	cur, old map[[32]byte]struct{}
	half     int
}

// NewSigCache returns a cache of at most size entries.
func NewSigCache(size int) *SigCache {
	half := max(size/2, 1)
	return &SigCache{cur: make(map[[32]byte]struct{}, half), old: map[[32]byte]struct{}{}, half: half}
}

// Verified reports whether the transaction with this hash verified before.
func (c *SigCache) Verified(h [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[h]; ok {
		return true
	}
	_, ok := c.old[h]
	return ok
}

// Add records that the transaction with this hash verified.
func (c *SigCache) Add(h [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= c.half {
		c.old, c.cur = c.cur, make(map[[32]byte]struct{}, c.half)
	}
	c.cur[h] = struct{}{}
}

// sharedSigCache is the process's cache; 1<<18 entries cost about 20 MB.
var sharedSigCache = NewSigCache(1 << 18)

// SharedSigCache returns the process-wide cache.
func SharedSigCache() *SigCache { return sharedSigCache }
