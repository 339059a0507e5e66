//go:build !wasip1

package main

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/wasm"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

// build compiles the vault as a contract author would.
func build(t *testing.T) []byte {
	t.Helper()
	b, err := wasmtest.Build(".")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// host is the vault's state and the current caller.
type host struct {
	state  map[string][]byte
	caller [20]byte
}

func (h *host) Get(k []byte) ([]byte, error) { return h.state[string(k)], nil }
func (h *host) Caller() [20]byte             { return h.caller }
func (h *host) ContractID() [32]byte         { return [32]byte{1} }
func (h *host) BlockHeight() int64           { return 10 }
func (h *host) BlockTime() time.Time         { return time.Unix(1_800_000_000, 0) }
func (h *host) Seed() [32]byte               { return [32]byte{7} }

type step struct {
	caller byte
	method string
	input  string
}

type outcome struct {
	Output  string
	GasUsed uint64
	Err     string
	Writes  []wasm.Write
}

// run plays steps on a fresh engine, applying each call's writes.
func run(t *testing.T, code []byte, cacheDir string, steps []step) []outcome {
	t.Helper()
	ctx := context.Background()
	e, err := wasm.NewEngine(ctx, wasm.Config{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	c, err := e.Compile(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	h := &host{state: map[string][]byte{}}
	var out []outcome
	for _, s := range steps {
		h.caller = [20]byte{s.caller}
		r, err := e.Call(ctx, c, h, s.method, []byte(s.input), 50_000_000)
		o := outcome{Output: string(r.Output), GasUsed: r.GasUsed, Writes: r.Writes}
		if err != nil {
			o.Err = err.Error()
			if !errors.Is(err, wasm.ErrContract) {
				t.Fatalf("%s: %v", s.method, err)
			}
		}
		for _, w := range r.Writes {
			h.state[string(w.Key)] = w.Value
		}
		out = append(out, o)
	}
	return out
}

var steps = []step{
	{1, "deposit", "100"},
	{2, "deposit", "5"},
	{1, "withdraw", "30"},
	{2, "withdraw", "10"}, // more than bob has
	{1, "my_balance", ""},
	{2, "my_balance", ""},
	{3, "my_balance", ""}, // a stranger has nothing
	{1, "deposit", `"ten"`},
}

func TestVault(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a contract")
	}
	code := build(t)
	cache := t.TempDir()
	got := run(t, code, cache, steps)
	if got[4].Output != "70" || got[5].Output != "5" || got[6].Output != "0" {
		t.Fatalf("balances: %q %q %q", got[4].Output, got[5].Output, got[6].Output)
	}
	if !strings.Contains(got[3].Err, "insufficient balance: 5, asked 10") || len(got[3].Writes) != 0 {
		t.Fatalf("overdraft: %+v", got[3])
	}
	if got[7].Err == "" {
		t.Fatal("a non-number amount was accepted")
	}
	for i, o := range got {
		if o.GasUsed == 0 {
			t.Fatalf("step %d reports no gas", i)
		}
	}
	// The same commands on a fresh engine, with the cache now warm: the
	// same outputs, gas and writes.
	if again := run(t, code, cache, steps); !reflect.DeepEqual(again, got) {
		t.Fatalf("second run differs:\n%+v\n%+v", again, got)
	}
}
