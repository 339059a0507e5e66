//go:build !wasip1

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/wasm"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

type host struct {
	state  map[string][]byte
	caller [20]byte
	height int64
}

func (h *host) Get(k []byte) ([]byte, error) { return h.state[string(k)], nil }
func (h *host) Caller() [20]byte             { return h.caller }
func (h *host) ContractID() [32]byte         { return [32]byte{2} }
func (h *host) BlockHeight() int64           { return h.height }
func (h *host) BlockTime() time.Time         { return time.Unix(1_800_000_000+h.height, 0) }
func (h *host) Seed() [32]byte               { return [32]byte{byte(h.height)} }

func TestSealedBidAuction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a contract")
	}
	code, err := wasmtest.Build(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, err := wasm.NewEngine(ctx, wasm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	c, err := e.Compile(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	h := &host{state: map[string][]byte{}, height: 5}
	call := func(caller byte, method, input string) (string, error) {
		h.caller = [20]byte{caller}
		r, err := e.Call(ctx, c, h, method, []byte(input), 50_000_000)
		if err == nil {
			for _, w := range r.Writes {
				h.state[string(w.Key)] = w.Value
			}
		}
		return string(r.Output), err
	}
	must := func(caller byte, method, input string) string {
		t.Helper()
		out, err := call(caller, method, input)
		if err != nil {
			t.Fatalf("%s %s: %v", method, input, err)
		}
		return out
	}
	must(9, "open", `{"end": 10}`)
	must(1, "bid", "50")
	must(2, "bid", "70")
	must(3, "bid", "60")
	must(1, "bid", "65") // a rebid replaces the first
	if _, err := call(4, "reveal", ""); err == nil || !strings.Contains(err.Error(), "sealed") {
		t.Fatalf("reveal before the end: %v", err)
	}
	h.height = 10
	if _, err := call(5, "bid", "100"); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Fatalf("late bid: %v", err)
	}
	got := must(4, "reveal", "")
	if want := `{"winner":"0200000000000000000000000000000000000000","bid":70}`; got != want {
		t.Fatalf("reveal: %s, want %s", got, want)
	}
}
