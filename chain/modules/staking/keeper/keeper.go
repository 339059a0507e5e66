package keeper

import (
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/codec"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes the staking ledger.
type Keeper struct {
	bank bankkeeper.Keeper
}

// NewKeeper returns the keeper.
func NewKeeper() *Keeper { return &Keeper{} }

func set(kv store.KV, key []byte, v any) { kv.Set(key, codec.MustMarshal(v)) }

// Params returns the parameters.
func (*Keeper) Params(r store.Reader) staking.Params {
	v := r.Get(staking.ParamsKey())
	if v == nil {
		return staking.DefaultParams()
	}
	var p staking.Params
	store.MustDecode(v, &p)
	return p
}

// Candidate returns a candidate.
func (*Keeper) Candidate(r store.Reader, op crypto.Address) (staking.Candidate, bool) {
	v := r.Get(staking.CandidateKey(op))
	if v == nil {
		return staking.Candidate{}, false
	}
	var c staking.Candidate
	store.MustDecode(v, &c)
	return c, true
}

// Candidates calls fn for every candidate, in operator order.
func (*Keeper) Candidates(r store.Reader, fn func(staking.Candidate) bool) {
	r.Iterate(staking.CandidatePrefix(), func(_, v []byte) bool {
		var c staking.Candidate
		store.MustDecode(v, &c)
		return fn(c)
	})
}

// Nomination returns a nominator's stake behind a candidate (zero if
// none).
func (*Keeper) Nomination(r store.Reader, candidate, nominator crypto.Address) staking.Nomination {
	v := r.Get(staking.NominationKey(candidate, nominator))
	if v == nil {
		return staking.Nomination{Nominator: nominator, Candidate: candidate}
	}
	var n staking.Nomination
	store.MustDecode(v, &n)
	return n
}

// Unbondings calls fn for every unbonding waiting, in completion order.
func (*Keeper) Unbondings(r store.Reader, fn func(key []byte, u staking.Unbonding) bool) {
	r.Iterate(staking.UnbondingPrefix(), func(k, v []byte) bool {
		var u staking.Unbonding
		store.MustDecode(v, &u)
		return fn(k, u)
	})
}

// Elect returns the active set the candidates would elect now
// (staking.Elect).
func (k *Keeper) Elect(r store.Reader) []staking.Elected {
	var cands []staking.Candidate
	k.Candidates(r, func(c staking.Candidate) bool { cands = append(cands, c); return true })
	return staking.Elect(cands, k.Params(r))
}

// Held is what the module account must hold: every self-bond, nomination
// and unbonding waiting.
func (k *Keeper) Held(r store.Reader) pha.Amount {
	var sum pha.Amount
	add := func(a pha.Amount) {
		var err error
		if sum, err = sum.Add(a); err != nil {
			panic(err) // parts of the supply
		}
	}
	k.Candidates(r, func(c staking.Candidate) bool { add(c.SelfBond); return true })
	r.Iterate(staking.NominationPrefix(nil), func(_, v []byte) bool {
		var n staking.Nomination
		store.MustDecode(v, &n)
		add(n.Amount)
		return true
	})
	k.Unbondings(r, func(_ []byte, u staking.Unbonding) bool { add(u.Amount); return true })
	return sum
}

func pending(r store.Reader, a crypto.Address) uint64 {
	if v := r.Get(staking.PendingKey(a)); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func setPending(kv store.KV, a crypto.Address, n uint64) {
	if n == 0 {
		kv.Delete(staking.PendingKey(a))
		return
	}
	kv.Set(staking.PendingKey(a), binary.BigEndian.AppendUint64(nil, n))
}
