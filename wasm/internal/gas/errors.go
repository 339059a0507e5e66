package gas

import "errors"

var (
	// ErrInvalidModule is returned for bytes that do not decode as a module
	// or whose code does not parse.
	ErrInvalidModule = errors.New("invalid wasm module")
	// ErrUnsupported is returned for instructions the metering does not
	// know (SIMD, threads, and proposals beyond those Go emits).
	ErrUnsupported = errors.New("unsupported wasm instruction")
	// ErrAlreadyInstrumented is returned for a module that already has the
	// metering's exports.
	ErrAlreadyInstrumented = errors.New("wasm module already instrumented")
)
