package store

import (
	"slices"
	"strings"
)

// Cache buffers writes over a parent Reader. Reads see the buffered writes
// first. Write flushes them into a parent KV in sorted key order.
type Cache struct {
	parent  Reader
	entries map[string]entry
}

type entry struct {
	value   []byte // nil: deleted
	deleted bool
}

// NewCache returns an empty cache over parent.
func NewCache(parent Reader) *Cache {
	return &Cache{parent: parent, entries: make(map[string]entry)}
}

// Get implements Reader.
func (c *Cache) Get(key []byte) []byte {
	if e, ok := c.entries[string(key)]; ok {
		return e.value
	}
	return c.parent.Get(key)
}

// Set implements KV.
func (c *Cache) Set(key, value []byte) {
	if len(key) == 0 {
		panic(ErrEmptyKey) // a programming error in a module, not input
	}
	if value == nil {
		value = []byte{}
	}
	c.entries[string(key)] = entry{value: value}
}

// Delete implements KV.
func (c *Cache) Delete(key []byte) {
	c.entries[string(key)] = entry{deleted: true}
}

// Iterate implements Reader: it merges the parent's keys with the buffered
// writes, in ascending order.
func (c *Cache) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	mine := c.sortedKeys(prefix)
	i := 0
	stopped := false
	c.parent.Iterate(prefix, func(pk, pv []byte) bool {
		for ; i < len(mine) && strings.Compare(mine[i], string(pk)) < 0; i++ {
			if e := c.entries[mine[i]]; !e.deleted && !fn([]byte(mine[i]), e.value) {
				stopped = true
				return false
			}
		}
		if i < len(mine) && mine[i] == string(pk) {
			e := c.entries[mine[i]]
			i++
			if e.deleted {
				return true
			}
			pv = e.value
		}
		if !fn(pk, pv) {
			stopped = true
			return false
		}
		return true
	})
	if stopped {
		return
	}
	for ; i < len(mine); i++ {
		if e := c.entries[mine[i]]; !e.deleted && !fn([]byte(mine[i]), e.value) {
			return
		}
	}
}

func (c *Cache) sortedKeys(prefix []byte) []string {
	keys := make([]string, 0, len(c.entries))
	for k := range c.entries {
		if strings.HasPrefix(k, string(prefix)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Changes calls fn, in ascending key order, for each key with the given
// prefix that was written or deleted since the cache was made; value is nil
// for a deletion. Invariant checks use it to look at exactly what a block
// changed.
func (c *Cache) Changes(prefix []byte, fn func(key, value []byte)) {
	for _, k := range c.sortedKeys(prefix) {
		fn([]byte(k), c.entries[k].value)
	}
}

// Write flushes the buffered writes into dst in ascending key order and
// empties the cache. Into another Cache, whose own Write sorts, the
// entries are merged as they are: no order to keep, and no copies.
func (c *Cache) Write(dst KV) {
	if d, ok := dst.(*Cache); ok {
		for k, e := range c.entries {
			d.entries[k] = e
		}
		clear(c.entries)
		return
	}
	for _, k := range c.sortedKeys(nil) {
		e := c.entries[k]
		if e.deleted {
			dst.Delete([]byte(k))
		} else {
			dst.Set([]byte(k), e.value)
		}
	}
	clear(c.entries)
}

// Discard drops the buffered writes.
func (c *Cache) Discard() { clear(c.entries) }
