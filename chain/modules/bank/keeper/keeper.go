package keeper

import (
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes the bank's state. It holds no state itself; the
// store comes with each call.
type Keeper struct{}

// Balance returns the balance of addr.
func (Keeper) Balance(r store.Reader, addr crypto.Address) pha.Amount {
	return decodeAmount(r.Get(bank.BalanceKey(addr)))
}

// Supply returns the total supply.
func (Keeper) Supply(r store.Reader) pha.Amount {
	return decodeAmount(r.Get(bank.SupplyKey()))
}

// ModuleBalance returns the balance of a module account.
func (k Keeper) ModuleBalance(r store.Reader, name string) pha.Amount {
	return k.Balance(r, crypto.ModuleAddress(name))
}

// decodeAmount decodes a stored amount; absent is zero. Amount's own
// decoder, which the state decoder calls, accepts only the canonical
// encoding.
func decodeAmount(v []byte) pha.Amount {
	var a pha.Amount
	if v != nil {
		store.MustDecode(v, &a)
	}
	return a
}

func (Keeper) setBalance(kv store.KV, addr crypto.Address, a pha.Amount) {
	if a.IsZero() {
		kv.Delete(bank.BalanceKey(addr))
		return
	}
	kv.Set(bank.BalanceKey(addr), codec.MustMarshal(a))
}

// Transfer moves amount from one account to another and emits a transfer
// event. It fails with ErrInsufficientFunds, changing nothing, if from's
// balance is short.
func (k Keeper) Transfer(ctx *module.Context, from, to crypto.Address, amount pha.Amount) error {
	if err := k.Pay(ctx, from, to, amount); err != nil {
		return err
	}
	ctx.Emit(bank.EventTransfer,
		module.Attr{Key: bank.AttrSender, Value: from, Index: true},
		module.Attr{Key: bank.AttrRecipient, Value: to, Index: true},
		module.Attr{Key: bank.AttrAmount, Value: amount},
	)
	return nil
}

// Pay is Move within a transaction's message: when from is the sender, a
// refusal names the fee held from its balance apart from the balance.
// What from's vesting locks at the block time cannot leave it.
func (k Keeper) Pay(ctx *module.Context, from, to crypto.Address, amount pha.Amount) error {
	var held pha.Amount
	if from == ctx.Sender {
		held = ctx.FeeHold
	}
	return k.move(ctx.Store(), from, to, amount, held, k.lockedAt(ctx.Store(), from, ctx.Block.Time))
}

// Move moves amount between accounts without an event, for bookkeeping
// that reports itself otherwise (fees). It fails with ErrInsufficientFunds,
// changing nothing, if from's balance is short. It knows no time, so a
// vesting account's whole schedule counts as locked: module accounts,
// which never vest, are its sources; a user's account is debited with
// Pay, Transfer or MoveAt.
func (k Keeper) Move(kv store.KV, from, to crypto.Address, amount pha.Amount) error {
	var locked pha.Amount
	if v, ok := k.Vesting(kv, from); ok {
		locked = v.Held(v.Start) // the whole schedule, less what is bonded
	}
	return k.move(kv, from, to, amount, pha.Zero, locked)
}

// MoveAt is Move at a block time: what from's vesting still locks then
// cannot leave it (ErrLocked).
func (k Keeper) MoveAt(kv store.KV, from, to crypto.Address, amount pha.Amount, now time.Time) error {
	return k.move(kv, from, to, amount, pha.Zero, k.lockedAt(kv, from, now))
}

// Vesting returns an account's vesting schedule, if it has one.
func (Keeper) Vesting(r store.Reader, addr crypto.Address) (bank.Vesting, bool) {
	b := r.Get(bank.VestingKey(addr))
	if b == nil {
		return bank.Vesting{}, false
	}
	var v bank.Vesting
	store.MustDecode(b, &v)
	return v, true
}

// Spendable is what can leave addr at now: its balance less what its
// vesting still locks.
func (k Keeper) Spendable(r store.Reader, addr crypto.Address, now time.Time) pha.Amount {
	left, err := k.Balance(r, addr).Sub(k.lockedAt(r, addr, now))
	if err != nil {
		return pha.Zero
	}
	return left
}

func (k Keeper) lockedAt(r store.Reader, addr crypto.Address, now time.Time) pha.Amount {
	if v, ok := k.Vesting(r, addr); ok {
		return v.Held(now.Unix())
	}
	return pha.Zero
}

// Delegate moves amount from an account to the staking module's account
// to bond it, locked tokens included: it is Pay where the locked part of
// from's balance may go too, recorded in from's schedule as
// DelegatedVesting (the free part as DelegatedFree), so that what is
// paid back is locked again. It emits a transfer event.
func (k Keeper) Delegate(ctx *module.Context, from, to crypto.Address, amount pha.Amount) error {
	kv := ctx.Store()
	v, vests := k.Vesting(kv, from)
	if !vests {
		return k.Transfer(ctx, from, to, amount)
	}
	avail := v.Held(ctx.Block.Time.Unix()) // locked and not yet bonded
	dv := amount
	if avail.Lt(dv) {
		dv = avail
	}
	var held pha.Amount
	if from == ctx.Sender {
		held = ctx.FeeHold
	}
	stays, _ := avail.Sub(dv)
	if err := k.move(kv, from, to, amount, held, stays); err != nil {
		return err
	}
	df, _ := amount.Sub(dv)
	var err error
	if v.DelegatedVesting, err = v.DelegatedVesting.Add(dv); err != nil {
		return err
	}
	if v.DelegatedFree, err = v.DelegatedFree.Add(df); err != nil {
		return err
	}
	kv.Set(bank.VestingKey(from), codec.MustMarshal(v))
	ctx.Emit(bank.EventTransfer,
		module.Attr{Key: bank.AttrSender, Value: from, Index: true},
		module.Attr{Key: bank.AttrRecipient, Value: to, Index: true},
		module.Attr{Key: bank.AttrAmount, Value: amount},
	)
	return nil
}

// Undelegate pays a stake back from a module account: Move, and, for a
// vesting account, the paid amount leaves DelegatedFree first, then
// DelegatedVesting, so that the locked tokens it bonded are locked again.
func (k Keeper) Undelegate(kv store.KV, from, to crypto.Address, amount pha.Amount) error {
	if err := k.Move(kv, from, to, amount); err != nil {
		return err
	}
	v, vests := k.Vesting(kv, to)
	if !vests {
		return nil
	}
	df := amount
	if v.DelegatedFree.Lt(df) {
		df = v.DelegatedFree
	}
	v.DelegatedFree, _ = v.DelegatedFree.Sub(df)
	rest, _ := amount.Sub(df)
	if v.DelegatedVesting.Lt(rest) {
		rest = v.DelegatedVesting
	}
	v.DelegatedVesting, _ = v.DelegatedVesting.Sub(rest)
	kv.Set(bank.VestingKey(to), codec.MustMarshal(v))
	return nil
}

// move is Move where held has already been taken from from's balance for
// the transaction's fee, and locked must stay in it.
func (k Keeper) move(kv store.KV, from, to crypto.Address, amount, held, locked pha.Amount) error {
	fromBal := k.Balance(kv, from)
	left, err := fromBal.Sub(amount)
	if err == nil && left.Lt(locked) {
		spendable, _ := fromBal.Sub(locked)
		return bank.ErrLocked.Wrap("%s has %s, of which %s is locked by its vesting: %s can be spent, %s is asked for",
			from, fromBal.PHA(), locked.PHA(), spendable.PHA(), amount.PHA())
	}
	if err != nil {
		if held.IsZero() {
			return bank.ErrInsufficientFunds.Wrap("%s has %s, needs %s", from, fromBal.PHA(), amount.PHA())
		}
		total, _ := fromBal.Add(held) // at most the supply
		return bank.ErrInsufficientFunds.Wrap("%s has %s, of which %s is held for this transaction's fee, leaving %s; needs %s",
			from, total.PHA(), held.PHA(), fromBal.PHA(), amount.PHA())
	}
	if from == to {
		return nil
	}
	toBal, err := k.Balance(kv, to).Add(amount)
	if err != nil { // more than the supply: impossible while the invariant holds
		return bank.ErrInvalidAmount.Wrap("balance of %s would overflow", to)
	}
	k.setBalance(kv, from, left)
	k.setBalance(kv, to, toBal)
	return nil
}
