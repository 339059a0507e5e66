package statedb

import (
	"errors"

	"github.com/phalanx-net/phalanx/chain/store"
)

// ErrVersionNotFound is returned when a requested version has been pruned
// or does not exist yet.
var ErrVersionNotFound = errors.New("state version not available")

// fail aborts the current operation with a store.IOError. Readers and
// writers do not return errors, because every failure they could report
// is a broken disk, never bad input; the application recovers the panic
// at the block boundary and halts.
func fail(err error) {
	panic(&store.IOError{Err: err})
}
