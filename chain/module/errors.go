package module

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Error is a registered error with a code that clients act on. Codes are
// scoped by codespace (the module name) and never reused, so a client can
// branch on (codespace, code) after the error crossed the wire.
type Error struct {
	Codespace string
	Code      uint32
	Desc      string
}

func (e *Error) Error() string { return e.Desc }

// Wrap returns an error that reads "desc: detail" and matches e with
// errors.Is, so a person gets the specifics and a program the code.
func (e *Error) Wrap(format string, args ...any) error {
	return fmt.Errorf("%w: %s", e, fmt.Sprintf(format, args...))
}

var (
	registryMu sync.Mutex
	registry   = map[string]map[uint32]*Error{}
)

// DefineError defines an error. Code 0 means success in ABCI and cannot be
// used; defining a (codespace, code) twice is a programming error.
func DefineError(codespace string, code uint32, desc string) *Error {
	registryMu.Lock()
	defer registryMu.Unlock()
	if code == 0 {
		panic(fmt.Sprintf("module: error code 0 is success (%s: %s)", codespace, desc))
	}
	if registry[codespace] == nil {
		registry[codespace] = map[uint32]*Error{}
	}
	if prev, ok := registry[codespace][code]; ok {
		panic(fmt.Sprintf("module: error %s/%d defined twice (%q and %q)", codespace, code, prev.Desc, desc))
	}
	e := &Error{Codespace: codespace, Code: code, Desc: desc}
	registry[codespace][code] = e
	return e
}

// Lookup returns the registered error for a code received from a node, or
// nil if this build does not know it.
func Lookup(codespace string, code uint32) *Error {
	registryMu.Lock()
	defer registryMu.Unlock()
	return registry[codespace][code]
}

// Errors returns every defined error, sorted by codespace and code: the
// codes this build can report and recognize.
func Errors() []*Error {
	registryMu.Lock()
	defer registryMu.Unlock()
	var out []*Error
	for _, codes := range registry {
		for _, e := range codes {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *Error) int {
		return cmp.Or(strings.Compare(a.Codespace, b.Codespace), cmp.Compare(a.Code, b.Code))
	})
	return out
}

// CodespaceInternal is the codespace of errors that are not the sender's
// fault.
const CodespaceInternal = "internal"

// ErrInternal is reported for an unexpected failure inside a handler; the
// transaction's messages are undone.
var ErrInternal = DefineError(CodespaceInternal, 1, "internal error")

// ABCIInfo returns the codespace, code and log line for err. An error that
// wraps no registered Error is reported as ErrInternal.
func ABCIInfo(err error) (codespace string, code uint32, log string) {
	if err == nil {
		return "", 0, ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Codespace, e.Code, err.Error()
	}
	return ErrInternal.Codespace, ErrInternal.Code, ErrInternal.Desc + ": " + err.Error()
}
