package keeper

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"

	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// Vote is a validator's voting power in the block (from CometBFT's
// decided last commit): the gatekeepers' share is paid by it.
type Vote struct {
	Account crypto.Address
	// Validator is the signer's consensus address, by which the staking
	// module finds its candidate.
	Validator crypto.Address
	Power     int64
}

// EndBlock runs after a block's transactions: workers whose challenge
// window passed turn unresponsive; new challenges are drawn from the
// block's hash; the block's fees and the gatekeepers' rewards are paid
// out. It is a function of the state, the block's time and hash, and the
// votes, so every node does the same.
func (k *Keeper) EndBlock(ctx *module.Context, hash []byte, votes []Vote) error {
	kv := ctx.Store()
	p := k.Params(kv)
	t := k.Totals(kv)
	now := ctx.Block.Time.UnixNano()
	if t.LastBlock == 0 {
		t.LastBlock = now
	}
	var workers []computing.Worker
	k.Workers(kv, func(w computing.Worker) bool {
		workers = append(workers, w)
		return true
	})
	// The odds of a challenge for each idle worker in this block: its
	// share of an hour, times the challenges per hour.
	odds, err := p.Challenge.MulDiv(fixed.Frac(uint64(max(now-t.LastBlock, 0)), nanosPerSecond), fixed.Int(uint64(p.Hour)))
	if err != nil {
		return err
	}
	threshold := oddsThreshold(odds)
	challenged := uint32(0)
	for _, w := range workers {
		switch {
		case w.State == computing.Idle && w.Challenged != 0 && now-w.Challenged > p.Window*nanosPerSecond:
			// Too late: idle until the deadline, unresponsive from then.
			deadline := w.Challenged + p.Window*nanosPerSecond
			old, err := k.bringUp(p, &w, deadline)
			if err != nil {
				return err
			}
			w.Missed++
			k.setState(ctx, &w, computing.Unresponsive)
			k.setWorker(kv, w)
			k.adjustShare(kv, old, true, w)
		case w.State == computing.Idle && w.Challenged == 0 && challenged < p.MaxChall:
			d := sha256.Sum256(append(append([]byte(domain.ComputingChallenge), hash...), w.ID[:]...))
			if binary.BigEndian.Uint64(d[:8]) < threshold {
				challenged++
				// The worker reads its open challenge from this record,
				// proven: no message is stored for it.
				w.Challenged, w.ChallengeHeight = now, ctx.Block.Height
				k.setWorker(kv, w)
				ctx.Emit(computing.EventChallenge, module.Attr{Key: computing.AttrWorker, Value: w.ID, Index: true})
			}
		}
	}
	t = k.Totals(kv)
	t.LastBlock = now
	k.setTotals(kv, t)
	return k.payGatekeepers(ctx, p, votes)
}

// oddsThreshold maps a probability to the bound a uniform 64-bit number
// falls under with that probability (certainty above 1).
func oddsThreshold(odds fixed.Num) uint64 {
	if odds.Cmp(fixed.One()) >= 0 {
		return ^uint64(0)
	}
	r := odds.Rat()
	n := new(big.Int).Mul(r.Num(), new(big.Int).Lsh(big.NewInt(1), 64))
	n.Quo(n, r.Denom())
	return n.Uint64()
}

// payGatekeepers shares the block's fees between the gatekeepers and the
// treasury in the rewards' proportion, then pays the gatekeepers' account
// out to the validators' accounts by voting power.
func (k *Keeper) payGatekeepers(ctx *module.Context, p computing.Params, votes []Vote) error {
	kv := ctx.Store()
	fees := k.bank.ModuleBalance(kv, bank.FeeCollector)
	if !fees.IsZero() {
		// Gatekeepers : treasury = GKShare : (1 − pool − GK).
		rest := fixed.One().SubFloor(p.PoolShare)
		gk := fixed.FromPHA(fees)
		if !rest.IsZero() {
			var err error
			if gk, err = gk.MulDiv(p.GKShare, rest); err != nil {
				return err
			}
		}
		gkAmt := gk.PHA()
		trAmt, _ := fees.Sub(gkAmt)
		src := crypto.ModuleAddress(bank.FeeCollector)
		if err := k.bank.Move(kv, src, crypto.ModuleAddress(computing.Gatekeepers), gkAmt); err != nil {
			return err
		}
		if err := k.bank.Move(kv, src, crypto.ModuleAddress(computing.Treasury), trAmt); err != nil {
			return err
		}
	}
	pot := k.bank.ModuleBalance(kv, computing.Gatekeepers)
	var total int64
	for _, v := range votes {
		total += max(v.Power, 0)
	}
	if pot.IsZero() || total <= 0 {
		return nil
	}
	src := crypto.ModuleAddress(computing.Gatekeepers)
	paid := pha.Amount{}
	for i, v := range votes {
		amt, err := pot.MulDiv(pha.Units(uint64(max(v.Power, 0))), pha.Units(uint64(total)))
		if err != nil {
			return err
		}
		if i == len(votes)-1 {
			amt, _ = pot.Sub(paid) // the division's remainder
		}
		if k.payee != nil && !v.Validator.IsZero() {
			err = k.payee.PayValidator(kv, src, v.Validator, amt)
		} else {
			err = k.bank.Move(kv, src, v.Account, amt)
		}
		if err != nil {
			return err
		}
		paid, _ = paid.Add(amt)
	}
	return nil
}
