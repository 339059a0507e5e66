// Vault is a confidential vault: each caller's balance is secret (the
// state lives sealed in the workers), and only its owner can read it.
package main

import (
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/sdk/contract"
)

func balanceKey(ctx contract.Context) string { return fmt.Sprintf("balance/%x", ctx.Caller()) }

func init() {
	contract.Handle("deposit", func(ctx contract.Context, amount uint64) error {
		if amount == 0 {
			return errors.New("deposit of zero")
		}
		b := ctx.Uint64(balanceKey(ctx))
		if b+amount < b {
			return errors.New("balance overflow")
		}
		ctx.SetUint64(balanceKey(ctx), b+amount)
		return nil
	})
	contract.Handle("withdraw", func(ctx contract.Context, amount uint64) error {
		b := ctx.Uint64(balanceKey(ctx))
		if amount > b {
			return fmt.Errorf("insufficient balance: %d, asked %d", b, amount)
		}
		ctx.SetUint64(balanceKey(ctx), b-amount)
		return nil
	})
	// my_balance tells the caller their own balance, and nobody else's.
	contract.Handle("my_balance", func(ctx contract.Context, _ struct{}) error {
		ctx.Emitf("%d", ctx.Uint64(balanceKey(ctx)))
		return nil
	})
}

func main() {}
