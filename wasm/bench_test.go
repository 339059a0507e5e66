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
// result, on a fresh instance each time (instantiation included), and an
// echo for comparison.
func BenchmarkCall(b *testing.B) {
	e := newEngine(b, Config{})
	code := compileProbe(b, e)
	for _, m := range []string{"count", "echo"} {
		b.Run(m, func(b *testing.B) {
			h := newHost()
			for b.Loop() {
				if _, err := e.Call(context.Background(), code, h, m, []byte("x")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
