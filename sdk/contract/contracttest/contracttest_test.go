package contracttest_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/sdk/contract"
	"github.com/phalanx-net/phalanx/sdk/contract/contracttest"
)

var errOdd = errors.New("odd")

// count is a package variable: the test kit keeps it between calls, the
// runtime would not (the package documents the difference).
var count int

func init() {
	contract.Handle("add", func(ctx contract.Context, n uint64) error {
		ctx.SetUint64("total", ctx.Uint64("total")+n)
		if n%2 == 1 {
			return fmt.Errorf("adding %d: %w", n, errOdd) // after the write: it must be dropped
		}
		ctx.Emitf("%d", ctx.Uint64("total")) // sees the call's own write
		return nil
	})
	contract.Handle("total", func(ctx contract.Context, _ struct{}) error {
		ctx.Emitf("%d", ctx.Uint64("total"))
		return nil
	})
	contract.Handle("forget", func(ctx contract.Context, _ struct{}) error {
		ctx.Remove("total")
		_, ok := ctx.Get("total")
		ctx.Emitf("%v", ok)
		return nil
	})
	contract.Handle("empty", func(ctx contract.Context, _ struct{}) error {
		ctx.Set("e", nil)
		return nil
	})
	contract.Handle("whoami", func(ctx contract.Context, _ struct{}) error {
		id := ctx.ContractID()
		ctx.Emitf("%x %x %d %s", ctx.Caller(), id[:2], ctx.BlockHeight(), ctx.BlockTime().Format(time.RFC3339))
		return nil
	})
	contract.Handle("random", func(ctx contract.Context, n int) error {
		ctx.Emitf("%x", ctx.Random(n))
		return nil
	})
	contract.Handle("panic", func(ctx contract.Context, _ struct{}) error {
		ctx.Set("x", []byte("y"))
		var m map[string]int
		m["boom"] = 1
		return nil
	})
	contract.Handle("big", func(ctx contract.Context, n int) error {
		ctx.Set(strings.Repeat("k", n), nil)
		return nil
	})
	contract.Handle("count", func(ctx contract.Context, _ struct{}) error {
		count++
		ctx.Emitf("%d", count)
		return nil
	})
}

func TestStorageAcrossCalls(t *testing.T) {
	c := contracttest.New()
	if out, err := c.Call("add", "4"); err != nil || string(out) != "4" {
		t.Fatalf("add 4: %q, %v", out, err)
	}
	// A failed call's writes and output are dropped; its error is the
	// handler's, wrapped sentinel included.
	if out, err := c.Call("add", "3"); !errors.Is(err, errOdd) || err.Error() != "adding 3: odd" || out != nil {
		t.Fatalf("add 3: %q, %v", out, err)
	}
	// A query's writes are dropped even when it succeeds.
	if out, err := c.Query("add", "10"); err != nil || string(out) != "14" {
		t.Fatalf("query add 10: %q, %v", out, err)
	}
	if out, err := c.Call("total", ""); err != nil || string(out) != "4" {
		t.Fatalf("total: %q, %v", out, err)
	}
	if v, ok := c.Get("total"); !ok || !bytes.Equal(v, []byte{0, 0, 0, 0, 0, 0, 0, 4}) {
		t.Fatalf("stored total: %x %v", v, ok)
	}
	if out, err := c.Call("forget", ""); err != nil || string(out) != "false" {
		t.Fatalf("forget: %q, %v", out, err)
	}
	if _, ok := c.Get("total"); ok {
		t.Fatal("a removed key is still stored")
	}
	// An empty value exists, as in the runtime.
	if _, err := c.Call("empty", ""); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Get("e"); !ok || len(v) != 0 {
		t.Fatalf("empty value: %q %v", v, ok)
	}
}

func TestInput(t *testing.T) {
	c := contracttest.New()
	for _, tc := range []struct{ method, input, want string }{
		// Empty input is the argument's zero value; JSON {} is not a number.
		{"add", "", ""},
		{"add", "{}", "input for add: json: cannot unmarshal object into Go value of type uint64"},
		{"add", `"ten"`, "input for add: json: cannot unmarshal string into Go value of type uint64"},
		{"nosuch", "", `no method "nosuch"`},
	} {
		_, err := c.Call(tc.method, tc.input)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s(%q): error %q, want %q", tc.method, tc.input, got, tc.want)
		}
	}
}

func TestContext(t *testing.T) {
	c := contracttest.New()
	c.Caller, c.ID, c.Height = [20]byte{0xab}, [32]byte{0xcd, 0xef}, 42
	c.Time = time.Date(2027, 5, 6, 7, 8, 9, 0, time.UTC)
	want := "ab" + strings.Repeat("00", 19) + " cdef 42 2027-05-06T07:08:09Z"
	if out, err := c.Query("whoami", ""); err != nil || string(out) != want {
		t.Fatalf("whoami: %q, %v; want %q", out, err, want)
	}
}

func TestRandom(t *testing.T) {
	draw := func(c *contracttest.Contract) string {
		out, err := c.Call("random", "16")
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	a, b := contracttest.New(), contracttest.New()
	a1, a2 := draw(a), draw(a)
	if len(a1) != 32 || a1 == a2 {
		t.Fatalf("two calls drew %s and %s", a1, a2)
	}
	if b1 := draw(b); b1 != a1 {
		t.Fatalf("the same seed drew %s, then %s", a1, b1)
	}
	c := contracttest.New()
	c.Seed = [32]byte{1}
	if c1 := draw(c); c1 == a1 {
		t.Fatal("another seed drew the same bytes")
	}
	if _, err := a.Call("random", "1025"); !errors.Is(err, contracttest.ErrLimit) {
		t.Fatalf("1025 random bytes: %v", err)
	}
}

func TestFailures(t *testing.T) {
	c := contracttest.New()
	if _, err := c.Call("panic", ""); !errors.Is(err, contracttest.ErrTrap) || !strings.Contains(err.Error(), "assignment to entry in nil map") {
		t.Fatalf("panic: %v", err)
	}
	if _, ok := c.Get("x"); ok {
		t.Fatal("a trapped call's write was kept")
	}
	if _, err := c.Call("big", "1024"); err != nil {
		t.Fatalf("a 1 KiB key: %v", err)
	}
	if _, err := c.Call("big", "1025"); !errors.Is(err, contracttest.ErrLimit) || err.Error() != "contract exceeded a limit of the runtime: storage key of 1025 bytes exceeds 1024" {
		t.Fatalf("a key over 1 KiB: %v", err)
	}
}

// TestPackageVariables pins the documented difference from the runtime:
// here a package variable carries from call to call.
func TestPackageVariables(t *testing.T) {
	c := contracttest.New()
	c.Call("count", "")
	if out, _ := c.Call("count", ""); string(out) != fmt.Sprint(count) || count < 2 {
		t.Fatalf("count: %q, variable %d", out, count)
	}
}
