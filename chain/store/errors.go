package store

import "errors"

// ErrEmptyKey is returned for an empty key; IAVL cannot hold one.
var ErrEmptyKey = errors.New("empty state key")

// IOError wraps a failure of the underlying database. It is not caused by
// any input and leaves the node unable to go on: the application stops
// rather than commit a state it could not read or write.
type IOError struct{ Err error }

func (e *IOError) Error() string { return "state database: " + e.Err.Error() }
func (e *IOError) Unwrap() error { return e.Err }
