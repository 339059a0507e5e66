package wasm

import (
	"context"
	"crypto/sha256"
	"runtime"
	"sync"
	"testing"

	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

var (
	examplesOnce sync.Once
	examples     []contract
)

type contract struct {
	name   string
	module []byte
}

// benchContracts returns the probe and the two example contracts, built
// from source on first use.
func benchContracts(b *testing.B) []contract {
	examplesOnce.Do(func() {
		examples = []contract{{"probe", probeWasm}}
		for _, name := range []string{"vault", "auction"} {
			m, err := wasmtest.Build("../examples/" + name)
			if err != nil {
				b.Fatal(err)
			}
			examples = append(examples, contract{name, m})
		}
	})
	return examples
}

// BenchmarkPrepare validates and instruments each contract, as a
// gatekeeper does once at upload.
func BenchmarkPrepare(b *testing.B) {
	ctx := context.Background()
	for _, c := range benchContracts(b) {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Prepare(ctx, c.module); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad compiles each prepared contract with no cache, then from
// a warm on-disk cache, as a worker does on first use and after a
// restart.
func BenchmarkLoad(b *testing.B) {
	for _, c := range benchContracts(b) {
		b.Run(c.name, func(b *testing.B) { benchLoad(b, c.module) })
	}
}

func benchLoad(b *testing.B, module []byte) {
	ctx := context.Background()
	prepared, err := Prepare(ctx, module)
	if err != nil {
		b.Fatal(err)
	}
	hash := sha256.Sum256(module)
	load := func(b *testing.B, dir string) {
		e, err := NewEngine(ctx, Config{CacheDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Load(ctx, hash, prepared); err != nil {
			b.Fatal(err)
		}
		e.Close(ctx)
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			load(b, "")
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		load(b, dir)
		for b.Loop() {
			load(b, dir)
		}
	})
}

// BenchmarkInstantiate measures, for each contract, the first call's
// work on a loaded code (instantiation and Go's runtime initialization)
// and a new instance restored from the snapshot, which later concurrent
// calls use.
func BenchmarkInstantiate(b *testing.B) {
	for _, c := range benchContracts(b) {
		b.Run(c.name, func(b *testing.B) { benchInstantiate(b, c.module) })
	}
}

func benchInstantiate(b *testing.B, module []byte) {
	ctx := context.Background()
	e := newEngine(b, Config{})
	prepared, err := e.Prepare(ctx, module)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("initialize", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			code, err := e.Load(ctx, [32]byte{}, prepared)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			inst, err := e.acquire(ctx, code)
			if err != nil {
				b.Fatal(err)
			}
			inst.mod.Close(ctx)
		}
	})
	b.Run("from-snapshot", func(b *testing.B) {
		code, err := e.Load(ctx, [32]byte{}, prepared)
		if err != nil {
			b.Fatal(err)
		}
		first, err := e.acquire(ctx, code)
		if err != nil {
			b.Fatal(err)
		}
		defer first.mod.Close(ctx)
		for b.Loop() {
			inst, err := e.acquire(ctx, code)
			if err != nil {
				b.Fatal(err)
			}
			inst.mod.Close(ctx)
		}
	})
}

// BenchmarkInstanceMemory keeps 16 live instances of the probe contract
// and reports the Go heap and the linear memory each one holds.
func BenchmarkInstanceMemory(b *testing.B) {
	ctx := context.Background()
	const n = 16
	for b.Loop() {
		e := newEngine(b, Config{IdleInstances: n})
		code := compileProbe(b, e)
		if _, err := e.Call(ctx, code, newHost(), "echo", nil, testGas); err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var live []*instance
		for range n {
			inst, err := e.acquire(ctx, code)
			if err != nil {
				b.Fatal(err)
			}
			live = append(live, inst)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n/(1<<20), "heap-MiB/instance")
		b.ReportMetric(float64(live[0].mod.Memory().Size())/(1<<20), "linear-MiB/instance")
		for _, inst := range live {
			inst.mod.Close(ctx)
		}
	}
}

// BenchmarkCall runs a handler that makes two storage calls and emits its
// result ("count"), an echo, and a compute-bound loop ("work"), with and
// without gas metering. Each call starts from the initialized snapshot,
// whose restoration is included.
func BenchmarkCall(b *testing.B) {
	for _, metered := range []bool{true, false} {
		e := newEngine(b, Config{Unmetered: !metered})
		code := compileProbe(b, e)
		name := map[bool]string{true: "metered", false: "unmetered"}[metered]
		for _, m := range []string{"count", "echo", "work"} {
			b.Run(name+"/"+m, func(b *testing.B) {
				h := newHost()
				in := []byte("x")
				if m == "work" {
					in = []byte{200} // 200,000 loop iterations
				}
				for b.Loop() {
					if _, err := e.Call(context.Background(), code, h, m, in, testGas); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
