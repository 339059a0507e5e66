package store

// Reader reads state.
type Reader interface {
	// Get returns the value of key, or nil if the key is absent.
	Get(key []byte) []byte
	// Iterate calls fn for each key with the given prefix in ascending
	// order until fn returns false.
	Iterate(prefix []byte, fn func(key, value []byte) bool)
}

// KV reads and writes state.
type KV interface {
	Reader
	// Set writes value under key. Values must not be nil.
	Set(key, value []byte)
	// Delete removes key.
	Delete(key []byte)
}

// PrefixEnd returns the smallest key greater than every key that starts
// with prefix, or nil if there is none (prefix is all 0xff).
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
