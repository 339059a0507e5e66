package contract

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// Context is a handler's view of the call: its contract's storage, the
// caller, the block, randomness and output. Its methods are those of the
// runtime's host ABI when the contract runs as WebAssembly, and of the
// contracttest package when it runs natively in a test.
type Context struct {
	env env // empty in WebAssembly; the test kit's call natively
}

// Uint64 returns a stored number (0 if absent).
func (c Context) Uint64(key string) uint64 {
	v, ok := c.Get(key)
	if !ok || len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// SetUint64 stores a number.
func (c Context) SetUint64(key string, v uint64) { c.Set(key, binary.BigEndian.AppendUint64(nil, v)) }

// Emitf appends formatted text to the output.
func (c Context) Emitf(format string, args ...any) { c.Emit([]byte(fmt.Sprintf(format, args...))) }

var handlers = map[string]func(Context, []byte) error{}

// Handle registers h for method. The call's input is decoded as JSON into
// h's argument; an empty input is A's zero value.
func Handle[A any](method string, h func(ctx Context, arg A) error) {
	handlers[method] = func(ctx Context, in []byte) error {
		var a A
		if len(in) > 0 {
			if err := json.Unmarshal(in, &a); err != nil {
				return fmt.Errorf("input for %s: %w", method, err)
			}
		}
		return h(ctx, a)
	}
}

// dispatch runs the handler of method; the same code serves the runtime's
// calls and the test kit's.
func dispatch(ctx Context, method string, in []byte) error {
	h, ok := handlers[method]
	if !ok {
		return fmt.Errorf("no method %q", method)
	}
	return h(ctx, in)
}
