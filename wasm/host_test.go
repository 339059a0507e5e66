package wasm

import (
	"context"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// The runtime implements exactly the ABI table, with its types.
func TestHostImplementsABI(t *testing.T) {
	if err := checkHostImplementations(hostImplementations()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(map[string]any)
		want   string
	}{
		{"missing", func(m map[string]any) { delete(m, "emit") }, "emit is in the ABI but has no implementation"},
		{"extra", func(m map[string]any) { m["exit"] = func(context.Context, uint32) {} }, "exit is implemented but not in the ABI"},
		{"param type", func(m map[string]any) { m["emit"] = func(context.Context, api.Module, uint32, int64) {} }, "emit is implemented as (uint32, int64) , the ABI declares (uint32, uint32) "},
		{"result type", func(m map[string]any) { m["block_height"] = func(context.Context) uint32 { return 0 } }, "block_height is implemented as () uint32, the ABI declares () int64"},
		{"no context", func(m map[string]any) { m["input_len"] = func() uint32 { return 0 } }, "input_len is implemented as func() uint32, not a func(context.Context, ...)"},
	}
	for _, c := range cases {
		impls := hostImplementations()
		c.change(impls)
		err := checkHostImplementations(impls)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
