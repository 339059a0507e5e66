package wasm

import "errors"

// Errors a caller acts on. Each is wrapped with the detail.
var (
	ErrModuleTooLarge  = errors.New("contract module too large")
	ErrInvalidModule   = errors.New("invalid contract module")
	ErrUnknownImport   = errors.New("contract imports an unknown function")
	ErrTrap            = errors.New("contract trapped")
	ErrMemoryLimit     = errors.New("contract exceeded its memory limit")
	ErrBadPointer      = errors.New("contract passed a bad pointer or length to the host")
	ErrDeadline        = errors.New("contract call exceeded its deadline")
	ErrContract        = errors.New("contract returned an error")
	ErrNoSuchMethod    = errors.New("contract has no phalanx_call export")
	ErrHost            = errors.New("host failed during a contract call")
	ErrOutOfGas        = errors.New("contract ran out of gas")
	ErrUnsupportedCode = errors.New("contract uses instructions the runtime does not support")
	ErrGasLimit        = errors.New("gas limit out of range")
)
