//go:build !wasip1

package main

import (
	"strings"
	"testing"

	"github.com/phalanx-net/phalanx/sdk/contract/contracttest"
)

// TestNativeMatchesRuntime runs the same steps natively, with the SDK's
// test kit, and in the runtime: every output and every error must agree,
// so a contract's native tests say what its deployed code will do.
func TestNativeMatchesRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a contract")
	}
	inRuntime := run(t, build(t), t.TempDir(), steps)
	c := contracttest.New()
	c.ID, c.Height = [32]byte{1}, 10
	for i, s := range steps {
		c.Caller = [20]byte{s.caller}
		out, err := c.Call(s.method, s.input)
		want := inRuntime[i]
		switch {
		case string(out) != want.Output:
			t.Errorf("step %d %s(%s): output %q natively, %q in the runtime", i, s.method, s.input, out, want.Output)
		case (err == nil) != (want.Err == ""):
			t.Errorf("step %d %s(%s): error %v natively, %q in the runtime", i, s.method, s.input, err, want.Err)
		case err != nil && !strings.HasSuffix(want.Err, ": "+err.Error()):
			t.Errorf("step %d %s(%s): error %q natively, %q in the runtime", i, s.method, s.input, err, want.Err)
		}
	}
}
