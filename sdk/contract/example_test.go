package contract_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/sdk/contract"
	"github.com/phalanx-net/phalanx/sdk/contract/contracttest"
)

// balanceKey is where the example vault keeps a caller's balance: one key
// per account, so a caller's call touches only its own.
func balanceKey(caller [20]byte) string { return "balance/" + hex.EncodeToString(caller[:]) }

func init() {
	// Two methods of a small vault, registered in init as a contract's
	// main package does. A handler's argument is its call's JSON input.
	contract.Handle("deposit", func(ctx contract.Context, amount uint64) error {
		if amount == 0 {
			return errors.New("deposit nothing")
		}
		key := balanceKey(ctx.Caller())
		ctx.SetUint64(key, ctx.Uint64(key)+amount)
		return nil
	})
	contract.Handle("my_balance", func(ctx contract.Context, _ struct{}) error {
		ctx.Emitf("%d", ctx.Uint64(balanceKey(ctx.Caller())))
		return nil
	})
}

// ExampleHandle runs the vault's methods natively, against the test kit's
// in-memory store: the same handlers, built for WebAssembly, run on the
// workers. A failed call keeps none of its writes.
func ExampleHandle() {
	c := contracttest.New()
	c.Caller = [20]byte{1} // alice
	if _, err := c.Call("deposit", "70"); err != nil {
		fmt.Println(err)
	}
	if _, err := c.Call("deposit", "7"); err != nil {
		fmt.Println(err)
	}
	_, err := c.Call("deposit", "0")
	fmt.Println("deposit 0:", err)
	out, _ := c.Query("my_balance", "")
	fmt.Println("alice:", string(out))

	c.Caller = [20]byte{2} // bob sees his own balance only
	out, _ = c.Query("my_balance", "")
	fmt.Println("bob:", string(out))
	// Output:
	// deposit 0: deposit nothing
	// alice: 77
	// bob: 0
}
