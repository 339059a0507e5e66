package keeper_test

import (
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/pha"
)

// What a vesting account's schedule still locks cannot be sent; what it
// released can, and tokens it receives are its own.
func TestLockedTokensStay(t *testing.T) {
	e := modtest.New(t)
	k := bankkeeper.Keeper{}
	e.Use(bankkeeper.Module{Keeper: k})
	holder, other := modtest.Key("holder"), modtest.Key("other")
	start := e.Now
	v := bank.Vesting{Amount: pha.Tokens(900), Start: start.Unix(), Cliff: start.Add(100 * 24 * time.Hour).Unix(), End: start.Add(400 * 24 * time.Hour).Unix()}
	e.Fund(holder.Public().Address(), pha.Tokens(1000))
	e.State.Set(bank.VestingKey(holder.Public().Address()), codec.MustMarshal(v))
	send := func(n uint64) error {
		return e.Run(holder, &bank.MsgSend{To: other.Public().Address(), Amount: pha.Tokens(n)})
	}
	if err := send(101); !errors.Is(err, bank.ErrLocked) {
		t.Fatalf("sending more than the liquid 100 PHA: %v", err)
	}
	if got := e.Balance(holder.Public().Address()); got.Cmp(pha.Tokens(1000)) != 0 {
		t.Fatalf("a refused send changed the balance: %s", got)
	}
	if err := send(100); err != nil {
		t.Fatal(err)
	}
	if err := send(1); !errors.Is(err, bank.ErrLocked) {
		t.Fatalf("at the lock: %v", err)
	}
	// Received tokens are spendable.
	e.Fund(holder.Public().Address(), pha.Tokens(5))
	if err := send(5); err != nil {
		t.Fatal(err)
	}
	// At the cliff a quarter of the schedule is released: 225 PHA.
	e.Advance(100 * 24 * time.Hour)
	if got := k.Spendable(e.State, holder.Public().Address(), e.Now); got.Cmp(pha.Tokens(225)) != 0 {
		t.Fatalf("spendable at the cliff: %s", got)
	}
	if err := send(226); !errors.Is(err, bank.ErrLocked) {
		t.Fatalf("past the released part: %v", err)
	}
	if err := send(225); err != nil {
		t.Fatal(err)
	}
	// Bookkeeping without a time takes the whole schedule as locked.
	if err := k.Move(e.State, holder.Public().Address(), other.Public().Address(), pha.Tokens(1)); !errors.Is(err, bank.ErrLocked) {
		t.Fatalf("Move from a vesting account: %v", err)
	}
	// At the end all of it.
	e.Advance(300 * 24 * time.Hour)
	if err := send(675); err != nil {
		t.Fatal(err)
	}
	if got := e.Balance(holder.Public().Address()); !got.IsZero() {
		t.Fatalf("left %s", got)
	}
	if err := k.CheckSupply(e.State); err != nil {
		t.Fatal(err)
	}
}
