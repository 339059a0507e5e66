package wasm

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors a caller acts on. Each is wrapped with the detail; the failures
// of a call that carry numbers or a message are the typed errors below,
// which match these with errors.Is.
var (
	ErrModuleTooLarge  = errors.New("contract module too large")
	ErrInvalidModule   = errors.New("invalid contract module")
	ErrUnknownImport   = errors.New("contract imports an unknown function")
	ErrTrap            = errors.New("contract trapped")
	ErrPanic           = errors.New("contract panicked")
	ErrMemoryLimit     = errors.New("contract exceeded its memory limit")
	ErrOutputTooLarge  = errors.New("contract output too large")
	ErrValueTooLarge   = errors.New("contract storage value too large")
	ErrKeyTooLarge     = errors.New("contract storage key too large")
	ErrBadPointer      = errors.New("contract passed a bad pointer or length to the host")
	ErrDeadline        = errors.New("contract call exceeded its deadline")
	ErrContract        = errors.New("contract returned an error")
	ErrNoSuchMethod    = errors.New("contract has no phalanx_call export")
	ErrHost            = errors.New("host failed during a contract call")
	ErrOutOfGas        = errors.New("contract ran out of gas")
	ErrInit            = errors.New("contract initialization failed")
	ErrUnsupportedCode = errors.New("contract uses instructions the runtime does not support")
	ErrGasLimit        = errors.New("gas limit out of range")
)

// MaxMessage bounds a message taken from what a contract wrote (its
// panic's): longer ones are cut on a UTF-8 boundary.
const MaxMessage = 256

// PanicError is a contract's Go panic (ErrPanic).
type PanicError struct {
	// Message is what Go's runtime printed after "panic: ", up to the
	// goroutine dump, made printable and cut to MaxMessage bytes: a pure
	// function of the code and the input, the same on every worker.
	Message string
}

func (e *PanicError) Error() string        { return ErrPanic.Error() + ": " + e.Message }
func (e *PanicError) Is(target error) bool { return target == ErrPanic }

// TrapError is a trap that is not a Go panic (ErrTrap): an unreachable
// instruction, a division by zero, a fatal error of Go's runtime, an exit.
type TrapError struct {
	// Detail names the trap: the first line of wazero's error or of what
	// Go's runtime printed, without addresses or stack traces.
	Detail string
}

func (e *TrapError) Error() string        { return ErrTrap.Error() + ": " + e.Detail }
func (e *TrapError) Is(target error) bool { return target == ErrTrap }

// OutOfGasError is a call or an initialization that ran out of gas
// (ErrOutOfGas). It used its whole limit.
type OutOfGasError struct{ Used, Limit uint64 }

func (e *OutOfGasError) Error() string {
	return fmt.Sprintf("%v: used %d of %d", ErrOutOfGas, e.Used, e.Limit)
}
func (e *OutOfGasError) Is(target error) bool { return target == ErrOutOfGas }

// LimitError is a size limit a contract exceeded: Err is ErrMemoryLimit,
// ErrOutputTooLarge, ErrValueTooLarge or ErrKeyTooLarge, and Limit the
// bytes allowed.
type LimitError struct {
	Err   error
	Limit uint64
}

func (e *LimitError) Error() string { return fmt.Sprintf("%v: more than %d bytes", e.Err, e.Limit) }
func (e *LimitError) Unwrap() error { return e.Err }

// InitError is a contract whose initialization (Go's runtime and its init
// functions) failed (ErrInit): Err is the cause, itself one of this
// package's errors (out of gas, a panic, a trap, the memory limit). The
// same failure awaits every call, on every worker.
type InitError struct{ Err error }

func (e *InitError) Error() string        { return "initializing the contract: " + e.Err.Error() }
func (e *InitError) Unwrap() error        { return e.Err }
func (e *InitError) Is(target error) bool { return target == ErrInit }

// CutMessage makes s safe to show and record: invalid UTF-8 and control
// characters other than newline and tab become U+FFFD, and the result is
// cut to at most n bytes, on a rune boundary.
func CutMessage(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return utf8.RuneError
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
