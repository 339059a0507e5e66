package wasm

import (
	"context"
	"testing"
)

// BenchmarkCompile compiles the probe contract (2.2 MB of Go) with no
// cache, then from a warm on-disk cache.
func BenchmarkCompile(b *testing.B) {
	ctx := context.Background()
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			e, err := NewEngine(ctx, Config{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Compile(ctx, probeWasm); err != nil {
				b.Fatal(err)
			}
			e.Close(ctx)
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		warm, err := NewEngine(ctx, Config{CacheDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := warm.Compile(ctx, probeWasm); err != nil {
			b.Fatal(err)
		}
		warm.Close(ctx)
		for b.Loop() {
			e, err := NewEngine(ctx, Config{CacheDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Compile(ctx, probeWasm); err != nil {
				b.Fatal(err)
			}
			e.Close(ctx)
		}
	})
}

// BenchmarkCall runs a handler that makes two storage calls and emits its
// result, an echo, and a compute-bound loop, on a fresh instance each time (instantiation
// included), with and without gas metering.
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
