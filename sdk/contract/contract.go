//go:build wasip1

package contract

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
	"unsafe"
)

//go:wasmimport phalanx method_len
func methodLen() uint32

//go:wasmimport phalanx method
func method(out unsafe.Pointer)

//go:wasmimport phalanx input_len
func inputLen() uint32

//go:wasmimport phalanx input
func input(out unsafe.Pointer)

//go:wasmimport phalanx storage_get
func storageGet(k unsafe.Pointer, kl uint32, out unsafe.Pointer, oc uint32) int32

//go:wasmimport phalanx storage_set
func storageSet(k unsafe.Pointer, kl uint32, v unsafe.Pointer, vl uint32)

//go:wasmimport phalanx storage_remove
func storageRemove(k unsafe.Pointer, kl uint32)

//go:wasmimport phalanx caller
func caller(out unsafe.Pointer)

//go:wasmimport phalanx contract_id
func contractID(out unsafe.Pointer)

//go:wasmimport phalanx block_height
func blockHeight() int64

//go:wasmimport phalanx block_time
func blockTime() int64

//go:wasmimport phalanx random
func random(out unsafe.Pointer, n uint32)

//go:wasmimport phalanx emit
func emit(p unsafe.Pointer, n uint32)

//go:wasmimport phalanx set_error
func setError(p unsafe.Pointer, n uint32)

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// Context is a handler's view of the call: its contract's storage, the
// caller, the block, randomness and output.
type Context struct{}

// Get returns a stored value and whether it exists.
func (Context) Get(key string) ([]byte, bool) {
	k := []byte(key)
	buf := make([]byte, 128)
	n := storageGet(ptr(k), uint32(len(k)), ptr(buf), uint32(len(buf)))
	if n < 0 {
		return nil, false
	}
	if int(n) > len(buf) {
		buf = make([]byte, n)
		storageGet(ptr(k), uint32(len(k)), ptr(buf), uint32(len(buf)))
	}
	return buf[:n], true
}

// Set stores a value.
func (Context) Set(key string, value []byte) {
	k := []byte(key)
	storageSet(ptr(k), uint32(len(k)), ptr(value), uint32(len(value)))
}

// Remove deletes a key.
func (Context) Remove(key string) {
	k := []byte(key)
	storageRemove(ptr(k), uint32(len(k)))
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

// Caller returns the account that sent the command or query.
func (Context) Caller() [20]byte {
	var a [20]byte
	caller(unsafe.Pointer(&a[0]))
	return a
}

// ContractID returns this contract's id.
func (Context) ContractID() [32]byte {
	var id [32]byte
	contractID(unsafe.Pointer(&id[0]))
	return id
}

// BlockHeight and BlockTime describe the block the call belongs to.
func (Context) BlockHeight() int64 { return blockHeight() }

// BlockTime is the block's time: the only clock a contract has.
func (Context) BlockTime() time.Time { return time.Unix(0, blockTime()).UTC() }

// Random returns n bytes that every worker derives alike from the block
// and the contract's key: unpredictable to the caller, the same on every
// worker.
func (Context) Random(n int) []byte {
	b := make([]byte, n)
	random(ptr(b), uint32(n))
	return b
}

// Emit appends to the call's output.
func (Context) Emit(b []byte) { emit(ptr(b), uint32(len(b))) }

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

//go:wasmexport phalanx_call
func call() uint32 {
	m := make([]byte, methodLen())
	method(ptr(m))
	in := make([]byte, inputLen())
	input(ptr(in))
	h, ok := handlers[string(m)]
	var err error
	if !ok {
		err = fmt.Errorf("no method %q", m)
	} else {
		err = h(Context{}, in)
	}
	if err != nil {
		msg := []byte(err.Error())
		setError(ptr(msg), uint32(len(msg)))
		return 1
	}
	return 0
}
