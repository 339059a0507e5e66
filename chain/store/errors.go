package store

import "errors"

var (
	// ErrVersionNotFound is returned when a requested version has been
	// pruned or does not exist yet.
	ErrVersionNotFound = errors.New("state version not available")
	// ErrEmptyKey is returned for an empty key; IAVL cannot hold one.
	ErrEmptyKey = errors.New("empty state key")
)

// IOError wraps a failure of the underlying database. It is not caused by
// any input and leaves the node unable to go on: the application stops
// rather than commit a state it could not read or write.
type IOError struct{ Err error }

func (e *IOError) Error() string { return "state database: " + e.Err.Error() }
func (e *IOError) Unwrap() error { return e.Err }

// fail aborts the current operation with an IOError. Readers and writers do
// not return errors, because every failure they could report is a broken
// disk, never bad input; the application recovers the panic at the block
// boundary and halts.
func fail(err error) {
	panic(&IOError{Err: err})
}
