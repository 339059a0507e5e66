package contracttest_test

import (
	"fmt"

	"github.com/phalanx-net/phalanx/sdk/contract"
	"github.com/phalanx-net/phalanx/sdk/contract/contracttest"
)

func init() {
	// A contract registers its handlers in init, as in its main package.
	contract.Handle("greet", func(ctx contract.Context, name string) error {
		if name == "" {
			name = "world"
		}
		n := ctx.Uint64("greetings") + 1
		ctx.SetUint64("greetings", n)
		ctx.Emitf("hello, %s (greeting %d)", name, n)
		return nil
	})
}

func Example() {
	c := contracttest.New()
	out, err := c.Call("greet", `"alice"`)
	fmt.Println(string(out), err)
	out, err = c.Call("greet", "") // no input: the zero value
	fmt.Println(string(out), err)
	_, err = c.Call("greet", "42") // JSON input of the wrong type
	fmt.Println(err)
	// Output:
	// hello, alice (greeting 1) <nil>
	// hello, world (greeting 2) <nil>
	// input for greet: json: cannot unmarshal number into Go value of type string
}
