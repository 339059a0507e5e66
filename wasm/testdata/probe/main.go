// probe is a test contract that exercises every host function and every
// way a contract can misbehave, chosen by method name.
package main

import (
	"encoding/binary"
	"os"
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

//go:wasmimport phalanx block_height
func blockHeight() int64

//go:wasmimport phalanx random
func random(out unsafe.Pointer, n uint32)

//go:wasmimport phalanx emit
func emit(p unsafe.Pointer, n uint32)

//go:wasmimport phalanx set_error
func setError(p unsafe.Pointer, n uint32)

//go:wasmimport phalanx storage_get
func storageGetRaw(k, kl, out, oc uint32) int32

//go:wasmimport phalanx storage_set
func storageSetRaw(k, kl, v, vl uint32)

//go:wasmimport phalanx emit
func emitRaw(p, n uint32)

//go:wasmimport phalanx random
func randomRaw(p, n uint32)

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func out(b []byte) { emit(ptr(b), uint32(len(b))) }

func get(k string) []byte {
	buf := make([]byte, 64)
	n := storageGet(ptr([]byte(k)), uint32(len(k)), ptr(buf), uint32(len(buf)))
	if n < 0 {
		return nil
	}
	if int(n) > len(buf) {
		buf = make([]byte, n)
		storageGet(ptr([]byte(k)), uint32(len(k)), ptr(buf), uint32(len(buf)))
	}
	return buf[:n]
}

var sink []byte

// calls counts the calls this instance has seen: always 1, since every
// call starts from the state right after initialization.
var calls uint64

func recurse(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	return recurse(n+1) + int(pad[0])
}

//go:wasmexport phalanx_call
func call() uint32 {
	m := make([]byte, methodLen())
	if len(m) > 0 {
		method(unsafe.Pointer(&m[0]))
	}
	in := make([]byte, inputLen())
	if len(in) > 0 {
		input(unsafe.Pointer(&in[0]))
	}
	switch string(m) {
	case "echo":
		out(in)
	case "count": // increments the counter at key "n" and emits it
		var n uint64
		if v := get("n"); v != nil {
			n = binary.BigEndian.Uint64(v)
		}
		n++
		v := binary.BigEndian.AppendUint64(nil, n)
		storageSet(ptr([]byte("n")), 1, ptr(v), 8)
		out(v)
	case "calls":
		calls++
		out(binary.BigEndian.AppendUint64(nil, calls))
	case "grow": // grows the heap by 8 MiB, then succeeds
		sink = append(sink, make([]byte, 8<<20)...)
		out([]byte{byte(len(sink) >> 20)})
	case "remove":
		storageRemove(ptr([]byte("n")), 1)
	case "whoami":
		var c [20]byte
		caller(unsafe.Pointer(&c[0]))
		out(c[:])
		out(binary.BigEndian.AppendUint64(nil, uint64(blockHeight())))
	case "entropy": // the host's random and Go's own (WASI) randomness and clock
		r := make([]byte, 16)
		random(unsafe.Pointer(&r[0]), 16)
		out(r)
		m := map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8}
		for k := range m {
			out([]byte{byte(k)})
		}
		out([]byte(time.Now().UTC().Format(time.RFC3339Nano)))
	case "fail": // writes, then fails: the write must be dropped
		storageSet(ptr([]byte("n")), 1, ptr([]byte("x")), 1)
		msg := []byte("not allowed")
		setError(ptr(msg), uint32(len(msg)))
		return 1
	case "loop":
		for {
		}
	case "bomb":
		for {
			sink = append(sink, make([]byte, 1<<20)...)
		}
	case "recurse":
		return uint32(recurse(0))
	case "trap":
		var p *int
		return uint32(*p)
	case "panic": // panics with the input as its message
		panic(string(in))
	case "index": // a runtime error: index out of range
		xs := []int{1, 2, 3}
		return uint32(xs[len(in)+5])
	case "nested": // a deferred call panics while the first panic unwinds
		defer func() { panic("second") }()
		panic("first")
	case "chatty": // prints much to stderr, then panics
		for i := range 1000 {
			println("a line the contract printed", i)
		}
		panic("after the lines")
	case "deadlock": // a fatal error of Go's runtime, not a panic
		select {}
	case "exit":
		os.Exit(3)
	case "bigemit": // emits one byte more than the output limit, in two parts
		out(make([]byte, 64<<10))
		out([]byte{1})
	case "bigvalue": // stores a value one byte over the limit
		v := make([]byte, 64<<10+1)
		storageSet(ptr([]byte("v")), 1, ptr(v), uint32(len(v)))
	case "bigkey": // stores under a key one byte over the limit
		k := make([]byte, 1<<10+1)
		storageSet(ptr(k), uint32(len(k)), ptr([]byte("v")), 1)
	case "longerror": // fails with an error message longer than the host keeps
		msg := make([]byte, 3000)
		for i := range msg {
			msg[i] = 'e'
		}
		setError(ptr(msg), uint32(len(msg)))
		return 1
	case "badptr":
		return uint32(storageGetRaw(0xfffffff0, 64, 0, 0))
	case "badlen":
		return uint32(storageGetRaw(0, 0xffffffff, 0, 0))
	case "bigrandom":
		random(nil, 1<<30)
	case "work": // a compute-bound handler: hashes a counter input[0]*1000 times (FNV-1a)
		n := 1000
		if len(in) > 0 {
			n *= int(in[0])
		}
		h := uint64(14695981039346656037)
		for i := 0; i < n; i++ {
			h ^= uint64(i)
			h *= 1099511628211
		}
		out(binary.BigEndian.AppendUint64(nil, h))
	case "raw": // input: a selector byte and four uint32 arguments, passed as they are
		if len(in) < 17 {
			return 2
		}
		a := func(i int) uint32 { return binary.LittleEndian.Uint32(in[1+4*i:]) }
		switch in[0] % 4 {
		case 0:
			return uint32(storageGetRaw(a(0), a(1), a(2), a(3)))
		case 1:
			storageSetRaw(a(0), a(1), a(2), a(3))
		case 2:
			emitRaw(a(0), a(1))
		case 3:
			randomRaw(a(0), a(1))
		}
	}
	return 0
}

// initMode chooses how the contract's initialization behaves. Tests make
// variants of the built module by replacing these bytes with another mode
// of the same length (wasmtest.ProbeWithInit): one build, several codes.
var initMode = "phalanx-probe-init:ok......"

func init() {
	switch initMode[len("phalanx-probe-init:"):] {
	case "panic...":
		panic("the probe's init panics on purpose")
	case "loop....":
		for {
		}
	case "bomb....":
		for {
			sink = append(sink, make([]byte, 1<<20)...)
		}
	}
}

func main() {}
