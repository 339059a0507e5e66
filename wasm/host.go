package wasm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/phalanx-net/phalanx/wasm/abi"
)

// HostModule is the module name of the host ABI; CallExport is the
// function a contract exports to receive calls.
const (
	HostModule = abi.Module
	CallExport = abi.Export
)

// Limits on what one call may move through the host.
const (
	MaxKeySize    = 1 << 10
	MaxValueSize  = 64 << 10
	MaxOutputSize = 64 << 10
	MaxRandom     = 1 << 10
	// MaxErrorMessage bounds the error message a contract sets: the
	// first MaxErrorMessage bytes are kept.
	MaxErrorMessage = 1 << 10
)

// isHostFunction reports whether name is one of the ABI's functions
// (wasm/abi.Funcs): a contract importing anything else from HostModule is
// refused at compile time.
func isHostFunction(name string) bool {
	_, ok := abi.Lookup(name)
	return ok
}

// callState is one call's view: the host, its input, its buffered writes
// and its output. Host functions find it in the call's context.
type callState struct {
	host    Host
	method  []byte
	input   []byte
	writes  map[string]*Write
	output  bytes.Buffer
	errMsg  string
	rand    io.Reader
	meter   meter
	hostErr error // a failure of the host or a bad pointer: ends the call
}

// Gas for host work: a flat cost per host call and a cost per byte moved
// across the boundary, so a contract pays for what it makes the worker do.
const (
	HostCallGas = 100
	HostByteGas = 1
)

// pay charges a host call that moves n bytes, or ends the call out of gas.
func (st *callState) pay(n int) {
	if !st.meter.charge(HostCallGas + HostByteGas*uint64(n)) {
		st.abort(ErrOutOfGas)
	}
}

func newCallState(host Host, method string, input []byte, m meter) *callState {
	return &callState{host: host, method: []byte(method), input: input, writes: map[string]*Write{}, meter: m}
}

type callStateKey struct{}

func withCallState(ctx context.Context, st *callState) context.Context {
	st.rand = seededRand(st.host.Seed(), "random")
	return context.WithValue(ctx, callStateKey{}, st)
}

func stateOf(ctx context.Context) *callState { return ctx.Value(callStateKey{}).(*callState) }

func (st *callState) sortedWrites() []Write {
	out := make([]Write, 0, len(st.writes))
	for _, w := range st.writes {
		out = append(out, *w)
	}
	slices.SortFunc(out, func(a, b Write) int { return bytes.Compare(a.Key, b.Key) })
	return out
}

// abort ends the call with err: the panic unwinds the guest, and Call
// reports st.hostErr instead of the panic.
func (st *callState) abort(err error) {
	if st.hostErr == nil {
		st.hostErr = err
	}
	panic(err)
}

// read copies n bytes at ptr out of guest memory, or aborts the call: a
// range outside memory is a bad pointer, and more than limit bytes is
// tooLarge (a LimitError), or a bad pointer if tooLarge is nil.
func (st *callState) read(m api.Module, what string, ptr, n, limit uint32, tooLarge error) []byte {
	st.inMemory(m, what, ptr, n)
	if n > limit {
		if tooLarge != nil {
			st.abort(&LimitError{Err: tooLarge, Limit: uint64(limit)})
		}
		st.abort(fmt.Errorf("%w: %s of %d bytes exceeds %d", ErrBadPointer, what, n, limit))
	}
	st.pay(int(n))
	if n == 0 {
		return []byte{}
	}
	b, _ := memoryOf(m).Read(ptr, n)
	return bytes.Clone(b) // Read is a view into memory the guest may change
}

// inMemory aborts the call unless ptr+n lies in guest memory.
func (st *callState) inMemory(m api.Module, what string, ptr, n uint32) {
	if size := memorySize(m); uint64(ptr)+uint64(n) > size {
		st.abort(fmt.Errorf("%w: %s at %d+%d is outside memory (%d bytes)", ErrBadPointer, what, ptr, n, size))
	}
}

// write copies b into guest memory at ptr, or aborts the call.
func (st *callState) write(m api.Module, what string, ptr uint32, b []byte) {
	st.pay(len(b))
	st.inMemory(m, what, ptr, uint32(len(b)))
	if len(b) > 0 {
		memoryOf(m).Write(ptr, b)
	}
}

// memoryOf returns a module's memory, or nil if it has none (wazero then
// returns a nil pointer inside the interface).
func memoryOf(m api.Module) api.Memory {
	mem := m.Memory()
	if mem == nil || reflect.ValueOf(mem).IsNil() {
		return nil
	}
	return mem
}

func memorySize(m api.Module) uint64 {
	if mem := memoryOf(m); mem != nil {
		return uint64(mem.Size())
	}
	return 0
}

func (st *callState) get(key []byte) []byte {
	if w, ok := st.writes[string(key)]; ok {
		return w.Value
	}
	v, err := st.host.Get(key)
	if err != nil {
		st.abort(fmt.Errorf("%w: storage get: %v", ErrHost, err))
	}
	return v
}

// instantiateHost registers the host functions of the ABI table
// (wasm/abi.Funcs) in rt, each with its implementation from
// hostImplementations, after checking that the two agree.
func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	impls := hostImplementations()
	if err := checkHostImplementations(impls); err != nil {
		return fmt.Errorf("host module: %w", err)
	}
	b := rt.NewHostModuleBuilder(HostModule)
	for _, f := range abi.Funcs {
		b.NewFunctionBuilder().WithFunc(impls[f.Name]).Export(f.Name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("host module: %w", err)
	}
	return nil
}

// checkHostImplementations checks that impls implements exactly the
// functions of the ABI table, each with the declared parameter and result
// types after the context (and the calling module, for functions that
// touch memory).
func checkHostImplementations(impls map[string]any) error {
	for _, f := range abi.Funcs {
		impl, ok := impls[f.Name]
		if !ok {
			return fmt.Errorf("%s is in the ABI but has no implementation", f.Name)
		}
		if got, want := implSignature(reflect.TypeOf(impl)), abiSignature(f); got != want {
			return fmt.Errorf("%s is implemented as %s, the ABI declares %s", f.Name, got, want)
		}
	}
	names := make([]string, 0, len(impls))
	for name := range impls {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !isHostFunction(name) {
			return fmt.Errorf("%s is implemented but not in the ABI", name)
		}
	}
	return nil
}

var (
	contextType = reflect.TypeFor[context.Context]()
	moduleType  = reflect.TypeFor[api.Module]()
)

// implSignature renders an implementation's wasm-visible signature, as
// "(uint32, uint32) int32": its parameters after the context and module.
func implSignature(t reflect.Type) string {
	if t.Kind() != reflect.Func || t.NumIn() == 0 || t.In(0) != contextType {
		return fmt.Sprintf("%v, not a func(context.Context, ...)", t)
	}
	first := 1
	if t.NumIn() > 1 && t.In(1) == moduleType {
		first = 2
	}
	var in, out []string
	for i := first; i < t.NumIn(); i++ {
		in = append(in, t.In(i).String())
	}
	for i := range t.NumOut() {
		out = append(out, t.Out(i).String())
	}
	return "(" + strings.Join(in, ", ") + ") " + strings.Join(out, ", ")
}

// abiSignature renders a declared function's signature as implSignature
// renders its implementation's.
func abiSignature(f abi.Func) string {
	var in, out []string
	for _, p := range f.Params {
		in = append(in, p.Type.String())
	}
	for _, r := range f.Results {
		out = append(out, r.String())
	}
	return "(" + strings.Join(in, ", ") + ") " + strings.Join(out, ", ")
}

// hostImplementations returns the Go implementation of every host
// function, by ABI name. What each does is documented in wasm/abi.
func hostImplementations() map[string]any {
	impls := map[string]any{}
	fn := func(name string, f any) { impls[name] = f }
	fn("method_len", func(ctx context.Context) uint32 { return uint32(len(stateOf(ctx).method)) })
	fn("method", func(ctx context.Context, m api.Module, out uint32) {
		st := stateOf(ctx)
		st.write(m, "method", out, st.method)
	})
	fn("input_len", func(ctx context.Context) uint32 { return uint32(len(stateOf(ctx).input)) })
	fn("input", func(ctx context.Context, m api.Module, out uint32) {
		st := stateOf(ctx)
		st.write(m, "input", out, st.input)
	})
	// storage_get returns the value's length, or -1 if absent; it writes
	// the value only if it fits in outCap, so a guest with a short buffer
	// learns the length and asks again.
	fn("storage_get", func(ctx context.Context, m api.Module, keyPtr, keyLen, out, outCap uint32) int32 {
		st := stateOf(ctx)
		v := st.get(st.read(m, "storage key", keyPtr, keyLen, MaxKeySize, ErrKeyTooLarge))
		if v == nil {
			return -1
		}
		if uint32(len(v)) <= outCap {
			st.write(m, "storage value", out, v)
		}
		return int32(len(v))
	})
	fn("storage_set", func(ctx context.Context, m api.Module, keyPtr, keyLen, valPtr, valLen uint32) {
		st := stateOf(ctx)
		k := st.read(m, "storage key", keyPtr, keyLen, MaxKeySize, ErrKeyTooLarge)
		v := st.read(m, "storage value", valPtr, valLen, MaxValueSize, ErrValueTooLarge)
		if v == nil {
			v = []byte{}
		}
		st.writes[string(k)] = &Write{Key: k, Value: v}
	})
	fn("storage_remove", func(ctx context.Context, m api.Module, keyPtr, keyLen uint32) {
		st := stateOf(ctx)
		k := st.read(m, "storage key", keyPtr, keyLen, MaxKeySize, ErrKeyTooLarge)
		st.writes[string(k)] = &Write{Key: k, Delete: true}
	})
	fn("caller", func(ctx context.Context, m api.Module, out uint32) {
		st := stateOf(ctx)
		c := st.host.Caller()
		st.write(m, "caller", out, c[:])
	})
	fn("contract_id", func(ctx context.Context, m api.Module, out uint32) {
		st := stateOf(ctx)
		id := st.host.ContractID()
		st.write(m, "contract id", out, id[:])
	})
	fn("block_height", func(ctx context.Context) int64 { return stateOf(ctx).host.BlockHeight() })
	fn("block_time", func(ctx context.Context) int64 { return stateOf(ctx).host.BlockTime().UnixNano() })
	fn("random", func(ctx context.Context, m api.Module, out, n uint32) {
		st := stateOf(ctx)
		if n > MaxRandom {
			st.abort(fmt.Errorf("%w: %d random bytes exceeds %d", ErrBadPointer, n, MaxRandom))
		}
		b := make([]byte, n)
		io.ReadFull(st.rand, b)
		st.write(m, "random", out, b)
	})
	fn("emit", func(ctx context.Context, m api.Module, ptr, n uint32) {
		st := stateOf(ctx)
		st.inMemory(m, "output", ptr, n)
		if uint64(st.output.Len())+uint64(n) > MaxOutputSize {
			st.abort(&LimitError{Err: ErrOutputTooLarge, Limit: MaxOutputSize})
		}
		st.output.Write(st.read(m, "output", ptr, n, MaxOutputSize, nil))
	})
	fn("set_error", func(ctx context.Context, m api.Module, ptr, n uint32) {
		st := stateOf(ctx)
		// A longer message is cut, not refused: the call still reports
		// the contract's own error.
		st.inMemory(m, "error message", ptr, n)
		st.errMsg = string(st.read(m, "error message", ptr, min(n, MaxErrorMessage), MaxErrorMessage, nil))
	})
	return impls
}
