//go:build wasip1

package contract

import (
	"time"
	"unsafe"
)

// The host functions this file calls (methodLen, storageGet, ...) are
// declared in imports_wasip1.go, which is generated from the runtime's
// ABI table (wasm/abi): run `go generate ./wasm/abi` from the repository
// root after changing that table.

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// env is empty in WebAssembly: Context's methods call the host directly.
type env struct{}

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

// call is what the runtime calls: it reads the method and the input and
// runs the handler; a failing handler's error becomes the call's error.
//
//go:wasmexport phalanx_call
func call() uint32 {
	m := make([]byte, methodLen())
	method(ptr(m))
	in := make([]byte, inputLen())
	input(ptr(in))
	if err := dispatch(Context{}, string(m), in); err != nil {
		msg := []byte(err.Error())
		setError(ptr(msg), uint32(len(msg)))
		return 1
	}
	return 0
}
