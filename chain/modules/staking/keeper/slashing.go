package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Reasons a validator is jailed.
const (
	ReasonDowntime   = "downtime"
	ReasonDoubleSign = "double-sign"
)

// punish jails, and slashes, the validators that signed two blocks at a
// height, then counts the blocks each validator did not sign: one that
// missed more than MaxMissed in its window is jailed for downtime. The
// first block (no last commit) counts for nobody.
func (k *Keeper) punish(ctx *module.Context, p staking.Params, info module.EndBlockInfo) error {
	kv := ctx.Store()
	for _, addr := range info.DoubleSigners {
		if c, ok := k.byConsensusAddress(kv, addr); ok && !c.Tombstoned {
			if err := k.jail(ctx, p, c, p.DoubleSignSlashBP, ReasonDoubleSign); err != nil {
				return err
			}
		}
	}
	if !info.Signed {
		return nil
	}
	signed := map[crypto.Address]bool{}
	for _, v := range info.Votes {
		signed[v.Validator] = true
	}
	var keys []crypto.PublicKey
	k.Active(kv, func(key crypto.PublicKey, _ int64) bool { keys = append(keys, key); return true })
	for _, key := range keys {
		c, ok := k.byConsensusAddress(kv, key.Address())
		if !ok || c.Jailed {
			continue
		}
		changed := false
		if ctx.Block.Height-c.WindowStart >= int64(p.SignedWindow) {
			c.WindowStart, c.Missed, changed = ctx.Block.Height, 0, true
		}
		if !signed[key.Address()] {
			c.Missed++
			changed = true
		}
		if c.Missed > p.MaxMissed {
			if err := k.jail(ctx, p, c, p.DowntimeSlashBP, ReasonDowntime); err != nil {
				return err
			}
			continue
		}
		if changed { // a validator that signs writes nothing, but once a window
			set(kv, staking.CandidateKey(c.Operator), c)
		}
	}
	return nil
}

// byConsensusAddress returns the candidate whose consensus key has the
// address a.
func (k *Keeper) byConsensusAddress(r store.Reader, a crypto.Address) (staking.Candidate, bool) {
	v := r.Get(staking.ConsensusAddressKey(a))
	if len(v) != len(a) {
		return staking.Candidate{}, false
	}
	return k.Candidate(r, crypto.Address(v))
}

// jail slashes bp basis points of a candidate's stake (its self-bond,
// its nominations and the unbondings from it still waiting) into the
// treasury, jails it (for good after a double signature), and takes it
// out of the active set at once, unless it is the last validator.
func (k *Keeper) jail(ctx *module.Context, p staking.Params, c staking.Candidate, bp uint32, reason string) error {
	kv := ctx.Store()
	var slashed pha.Amount
	cut := func(a pha.Amount) pha.Amount {
		s, err := a.MulDiv(pha.Units(uint64(bp)), pha.Units(10_000))
		if err != nil { // s ≤ a
			panic(err)
		}
		slashed, _ = slashed.Add(s)
		left, _ := a.Sub(s)
		return left
	}
	c.SelfBond = cut(c.SelfBond)
	var nominated pha.Amount
	var noms []staking.Nomination
	kv.Iterate(staking.NominationPrefix(&c.Operator), func(_, v []byte) bool {
		var n staking.Nomination
		store.MustDecode(v, &n)
		noms = append(noms, n)
		return true
	})
	for _, n := range noms {
		// What it earned before the slash is its own.
		if err := k.settle(ctx, c, &n); err != nil {
			return err
		}
		n.Amount = cut(n.Amount)
		nominated, _ = nominated.Add(n.Amount)
		if n.Amount.IsZero() {
			kv.Delete(staking.NominationKey(n.Candidate, n.Nominator))
		} else {
			set(kv, staking.NominationKey(n.Candidate, n.Nominator), n)
		}
	}
	c.Nominated = nominated
	type entry struct {
		key []byte
		u   staking.Unbonding
	}
	var waiting []entry
	k.Unbondings(kv, func(key []byte, u staking.Unbonding) bool {
		if u.Candidate == c.Operator {
			waiting = append(waiting, entry{append([]byte(nil), key...), u})
		}
		return true
	})
	for _, w := range waiting {
		w.u.Amount = cut(w.u.Amount)
		set(kv, w.key, w.u)
	}
	if !slashed.IsZero() {
		if err := k.bank.Move(kv, staking.Account(), crypto.ModuleAddress(computing.Treasury), slashed); err != nil {
			return err
		}
	}
	c.Slashed, _ = c.Slashed.Add(slashed)
	c.Jailed, c.JailedUntil, c.Missed, c.WindowStart = true, ctx.Block.Time.Unix()+p.JailTime, 0, ctx.Block.Height
	if reason == ReasonDoubleSign && !c.Tombstoned {
		c.Tombstoned = true
		// Gone for good: its enclave is asked for no key, and the master
		// key rotates without it.
		k.enclaves.Retire(kv, crypto.PublicKey(c.ConsensusKey).Address())
	}
	set(kv, staking.CandidateKey(c.Operator), c)
	if kv.Get(staking.ActiveKey(c.ConsensusKey)) != nil {
		n := 0
		k.Active(kv, func(crypto.PublicKey, int64) bool { n++; return n < 2 })
		if n > 1 {
			setActive(kv, c.ConsensusKey, 0)
			ctx.UpdateValidators(module.ValidatorUpdate{Key: crypto.PublicKey(c.ConsensusKey), Power: 0})
		}
	}
	ctx.Emit(staking.EventJailed, module.Attr{Key: staking.AttrCandidate, Value: c.Operator, Index: true},
		module.Attr{Key: staking.AttrReason, Value: module.Text(reason)}, module.Attr{Key: staking.AttrAmount, Value: slashed})
	return nil
}

func (k *Keeper) handleUnjail(ctx *module.Context, _ *staking.MsgUnjail) error {
	kv := ctx.Store()
	c, ok := k.Candidate(kv, ctx.Sender)
	switch {
	case !ok:
		return staking.ErrNoCandidate.Wrap("%s", ctx.Sender)
	case !c.Jailed:
		return staking.ErrNotJailed.Wrap("%s", ctx.Sender)
	case c.Tombstoned:
		return staking.ErrStillJailed.Wrap("%s signed two blocks at one height: jailed for good", ctx.Sender)
	case ctx.Block.Time.Unix() < c.JailedUntil:
		return staking.ErrStillJailed.Wrap("until %d, it is %d", c.JailedUntil, ctx.Block.Time.Unix())
	}
	c.Jailed = false
	set(kv, staking.CandidateKey(c.Operator), c)
	ctx.Emit(staking.EventUnjailed, module.Attr{Key: staking.AttrCandidate, Value: c.Operator, Index: true})
	return nil
}
