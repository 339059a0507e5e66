package store

import "github.com/phalanx-net/phalanx/chain/codec"

// MustDecode decodes a value the chain itself wrote into out. A value
// that does not decode is a corrupted state, never input: it panics with
// an IOError, which the application recovers at the block boundary, and
// halts on.
func MustDecode(v []byte, out any) {
	if err := codec.UnmarshalState(v, out); err != nil {
		panic(&IOError{Err: err})
	}
}
