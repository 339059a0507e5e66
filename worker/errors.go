package worker

import (
	"errors"

	"github.com/phalanx-net/phalanx/enclave"
)

var (
	// ErrCheckpoint is returned for a sealed checkpoint that cannot be
	// read; the worker does not start rather than silently resync.
	ErrCheckpoint = errors.New("worker checkpoint cannot be read")
	// ErrChainMismatch is returned when the node serves another chain than
	// the one the worker's checkpoint follows.
	ErrChainMismatch = errors.New("node serves another chain")
	// ErrMessage is returned for a chain message that does not decode or
	// arrives out of order: a node or chain fault the worker stops on. It
	// is the enclave's error, which decodes the messages.
	ErrMessage = enclave.ErrMessage
)
