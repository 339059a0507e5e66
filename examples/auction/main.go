// Auction is a sealed-bid auction: bids stay secret (no handler returns
// them, and the state lives sealed in the workers) until the reveal, after
// the bidding ends, publishes the winner and the winning bid.
package main

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/sdk/contract"
)

// Open starts an auction whose bidding ends at block End.
type Open struct {
	End int64 `json:"end"`
}

const (
	endKey      = "end"
	revealedKey = "revealed"
	biddersKey  = "bidders" // the bidders' addresses, concatenated, in order of first bid
)

func bidKey(a [20]byte) string { return "bid/" + hex.EncodeToString(a[:]) }

func init() {
	contract.Handle("open", func(ctx contract.Context, o Open) error {
		if ctx.Uint64(endKey) != 0 {
			return errors.New("the auction is already open")
		}
		if o.End <= ctx.BlockHeight() {
			return fmt.Errorf("end %d is not after the current block %d", o.End, ctx.BlockHeight())
		}
		ctx.SetUint64(endKey, uint64(o.End))
		return nil
	})
	// bid places or replaces the caller's sealed bid.
	contract.Handle("bid", func(ctx contract.Context, amount uint64) error {
		end := int64(ctx.Uint64(endKey))
		if end == 0 {
			return errors.New("no auction is open")
		}
		if ctx.BlockHeight() >= end {
			return errors.New("bidding has ended")
		}
		if amount == 0 {
			return errors.New("a bid must be positive")
		}
		me := ctx.Caller()
		if _, ok := ctx.Get(bidKey(me)); !ok {
			bidders, _ := ctx.Get(biddersKey)
			ctx.Set(biddersKey, append(bidders, me[:]...))
		}
		ctx.SetUint64(bidKey(me), amount)
		return nil
	})
	// reveal publishes the highest bid (the earliest bidder wins a tie).
	contract.Handle("reveal", func(ctx contract.Context, _ struct{}) error {
		end := int64(ctx.Uint64(endKey))
		if end == 0 || ctx.BlockHeight() < end {
			return errors.New("bids are sealed until the bidding ends")
		}
		bidders, _ := ctx.Get(biddersKey)
		var winner [20]byte
		var best uint64
		for i := 0; i+20 <= len(bidders); i += 20 {
			var a [20]byte
			copy(a[:], bidders[i:i+20])
			if b := ctx.Uint64(bidKey(a)); b > best {
				winner, best = a, b
			}
		}
		if best == 0 {
			ctx.Emitf(`{"winner":null}`)
		} else {
			ctx.Emitf(`{"winner":"%x","bid":%d}`, winner, best)
		}
		ctx.SetUint64(revealedKey, 1)
		return nil
	})
}

func main() {}
