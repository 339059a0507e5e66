package keeper

import (
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
)

// CheckBlockSupply is the end-of-block invariant: the balances the block
// changed must have changed, in sum, by exactly as much as the supply did.
// changes holds the block's writes; before is the state before the block.
// With the genesis check (CheckSupply), this keeps Σ balances = supply at
// every height while costing only the block's own writes.
func (k Keeper) CheckBlockSupply(changes *store.Cache, before store.Reader) error {
	var plus, minus pha.Amount
	var err error
	changes.Changes(bank.BalancePrefix(), func(key, value []byte) {
		if err != nil {
			return
		}
		old, nu := decodeAmount(before.Get(key)), decodeAmount(value)
		if d, e := nu.Sub(old); e == nil {
			plus, err = plus.Add(d)
		} else {
			d, _ = old.Sub(nu)
			minus, err = minus.Add(d)
		}
	})
	if err != nil {
		return bank.ErrSupplyInvariant.Wrap("balance changes overflow: %v", err)
	}
	oldSupply, newSupply := k.Supply(before), k.Supply(changes)
	// old + plus - minus must equal new, i.e. old + plus = new + minus.
	l, err1 := oldSupply.Add(plus)
	r, err2 := newSupply.Add(minus)
	if err1 != nil || err2 != nil || l.Cmp(r) != 0 {
		return bank.ErrSupplyInvariant.Wrap("this block added %s and removed %s units of balance, but the supply went from %s to %s",
			plus, minus, oldSupply, newSupply)
	}
	return nil
}

// CheckSupply sums every balance and compares it with the supply. It reads
// the whole bank state, so it runs at genesis and when a node starts, not
// every block.
func (k Keeper) CheckSupply(r store.Reader) error {
	var sum pha.Amount
	var err error
	r.Iterate(bank.BalancePrefix(), func(_, v []byte) bool {
		sum, err = sum.Add(decodeAmount(v))
		return err == nil
	})
	if err != nil {
		return bank.ErrSupplyInvariant.Wrap("balances overflow")
	}
	if s := k.Supply(r); s.Cmp(sum) != 0 {
		return bank.ErrSupplyInvariant.Wrap("balances add up to %s units but the supply is %s", sum, s)
	}
	return nil
}
