package keeper

import (
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/codec"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes the staking ledger. The registry and keys
// modules say which candidates may be elected: those whose gatekeeper
// enclave is registered, in standing, and holds the current master key.
type Keeper struct {
	bank     bankkeeper.Keeper
	enclaves Enclaves
	holders  Holders
}

// Enclaves is what the keeper needs of the registry: the gatekeeper
// enclaves, marking an account as one that may register one (a
// candidate's consensus-key account), and retiring it when its candidate
// leaves for good, so that its enclave holds no master key after.
type Enclaves interface {
	Gatekeepers(r store.Reader, fn func(registry.Enclave) bool)
	SetValidator(kv store.KV, addr crypto.Address)
	Retire(kv store.KV, addr crypto.Address)
}

// Holders is what the keeper needs of the keys module: whether an enclave
// holds the current master key.
type Holders interface {
	HoldsCurrentMaster(r store.Reader, id crypto.PublicKey) bool
}

// NewKeeper returns the keeper.
func NewKeeper(e Enclaves, h Holders) *Keeper { return &Keeper{enclaves: e, holders: h} }

// RewardAccount is the account a validator's share of rewards goes to:
// the operator of the candidate whose consensus key has the address
// consAddr (CometBFT's name for a validator), or that address's own
// account for a validator no candidate names.
func RewardAccount(r store.Reader, consAddr crypto.Address) crypto.Address {
	if v := r.Get(staking.ConsensusAddressKey(consAddr)); len(v) == len(consAddr) {
		return crypto.Address(v)
	}
	return consAddr
}

// Active calls fn for each validator of the active set, in consensus key
// order.
func (*Keeper) Active(r store.Reader, fn func(key crypto.PublicKey, power int64) bool) {
	r.Iterate(staking.ActivePrefix(), func(_, v []byte) bool {
		var val staking.Validator
		store.MustDecode(v, &val)
		return fn(crypto.PublicKey(val.ConsensusKey), val.Power)
	})
}

func setActive(kv store.KV, key []byte, power int64) {
	if power == 0 {
		kv.Delete(staking.ActiveKey(key))
		return
	}
	set(kv, staking.ActiveKey(key), staking.Validator{ConsensusKey: key, Power: power})
}

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

// Eligible returns the candidates that may be elected: not jailed, a self-bond of at
// least the minimum, and a gatekeeper enclave registered from the
// candidate's consensus-key account, in standing, that holds the current
// master key (so every validator can serve keys).
func (k *Keeper) Eligible(r store.Reader) []staking.Candidate {
	p := k.Params(r)
	ready := map[crypto.Address]bool{}
	k.enclaves.Gatekeepers(r, func(e registry.Enclave) bool {
		if e.InStanding() && k.holders.HoldsCurrentMaster(r, e.Identity) {
			ready[e.Validator] = true
		}
		return true
	})
	var out []staking.Candidate
	k.Candidates(r, func(c staking.Candidate) bool {
		if !c.Jailed && !c.SelfBond.Lt(p.MinSelfBond) && len(c.ConsensusKey) == staking.ConsensusKeySize && ready[crypto.PublicKey(c.ConsensusKey).Address()] {
			out = append(out, c)
		}
		return true
	})
	return out
}

// Elect returns the active set the eligible candidates elect now
// (staking.Elect).
func (k *Keeper) Elect(r store.Reader) []staking.Elected {
	return staking.Elect(k.Eligible(r), k.Params(r))
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

// Nominations calls fn for every nomination, in candidate then nominator
// order.
func (*Keeper) Nominations(r store.Reader, fn func(staking.Nomination) bool) {
	r.Iterate(staking.NominationPrefix(nil), func(_, v []byte) bool {
		var n staking.Nomination
		store.MustDecode(v, &n)
		return fn(n)
	})
}
