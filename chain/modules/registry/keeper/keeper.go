package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Keeper reads and writes the registry's state and tells enclaves about
// their registration through the message queue.
type Keeper struct {
	Records
	mq       *mqkeeper.Keeper
	hooks    []Hooks
	standing []StandingHooks
	sealing  SealingHooks
	// verifyWith verifies evidence; nil is verify.Verify.
	verifyWith func(verify.Evidence, verify.Options) (verify.Verified, error)
}

// Records reads the registry's records and nothing else: what the other
// modules (and the queue, which asks who may post) need of the registry.
// It needs no wiring, so the modules that read the registry do not
// depend on the keeper that sends through them, and there is no cycle
// to resolve when the modules are built.
type Records struct{}

// Hooks lets other modules act when an enclave is registered for the
// first time (the keys module hands the master key to a new gatekeeper).
type Hooks interface {
	EnclaveRegistered(ctx *module.Context, role registry.Role, e registry.Enclave) error
}

// Lost is an enclave that lost its standing in this block.
type Lost struct {
	Role    registry.Role
	Enclave registry.Enclave
	Reason  registry.Reason
}

// StandingHooks lets other modules drop what an enclave that lost its
// standing had: the computing module stops the worker, the contracts
// module takes it out of its clusters, the keys module out of the
// holders of the master key. They are told once per block, of every
// enclave that lost its standing in it, in role and identity order.
type StandingHooks interface {
	StandingLost(ctx *module.Context, lost []Lost) error
}

// NewKeeper returns a registry keeper that sends through q and tells
// hooks about new enclaves.
func NewKeeper(q *mqkeeper.Keeper, hooks ...Hooks) Keeper { return Keeper{mq: q, hooks: hooks} }

// OnStandingLost returns the keeper telling hooks, in their order, when
// enclaves lose their standing.
func (k Keeper) OnStandingLost(hooks ...StandingHooks) Keeper {
	k.standing = append(k.standing[:len(k.standing):len(k.standing)], hooks...)
	return k
}

// Params returns the parameters.
func (Records) Params(r store.Reader) registry.Params {
	var p registry.Params
	store.MustDecode(r.Get(registry.ParamsKey()), &p)
	return p
}

// SetParams writes the parameters.
func (Records) SetParams(kv store.KV, p registry.Params) {
	kv.Set(registry.ParamsKey(), codec.MustMarshal(p))
}

func (Records) get(r store.Reader, key []byte) (registry.Enclave, bool) {
	v := r.Get(key)
	if v == nil {
		return registry.Enclave{}, false
	}
	var e registry.Enclave
	store.MustDecode(v, &e)
	return e, true
}

// Worker returns a worker's record.
func (k Records) Worker(r store.Reader, id crypto.PublicKey) (registry.Enclave, bool) {
	return k.get(r, registry.WorkerKey(id))
}

// Gatekeeper returns a gatekeeper enclave's record.
func (k Records) Gatekeeper(r store.Reader, id crypto.PublicKey) (registry.Enclave, bool) {
	return k.get(r, registry.GatekeeperKey(id))
}

// Workers calls fn for every worker, in identity order, until it returns
// false.
func (Records) Workers(r store.Reader, fn func(registry.Enclave) bool) {
	r.Iterate(registry.WorkerPrefix(), func(_, v []byte) bool {
		var e registry.Enclave
		store.MustDecode(v, &e)
		return fn(e)
	})
}

// Gatekeepers calls fn for every gatekeeper enclave, in identity order,
// until it returns false.
func (Records) Gatekeepers(r store.Reader, fn func(registry.Enclave) bool) {
	r.Iterate(registry.GatekeeperPrefix(), func(_, v []byte) bool {
		var e registry.Enclave
		store.MustDecode(v, &e)
		return fn(e)
	})
}

// IsEnclave implements mqkeeper.Senders: registered workers and gatekeeper
// enclaves may post messages.
func (k Records) IsEnclave(r store.Reader, id crypto.PublicKey) bool {
	return r.Get(registry.WorkerKey(id)) != nil || r.Get(registry.GatekeeperKey(id)) != nil
}

// InStanding reports whether an enclave in role is registered and has
// its standing: what the modules ask before they give it work or keys.
func (k Records) InStanding(r store.Reader, role registry.Role, id crypto.PublicKey) bool {
	e, ok := k.get(r, registry.RecordKey(role, id))
	return ok && e.InStanding()
}

var present = []byte{1}

// IsValidator reports whether addr is the account of a validator.
func (Records) IsValidator(r store.Reader, addr crypto.Address) bool {
	return r.Get(registry.ValidatorKey(addr)) != nil
}

// SetValidator records addr as a validator account (from the genesis
// validator set).
func (Records) SetValidator(kv store.KV, addr crypto.Address) {
	kv.Set(registry.ValidatorKey(addr), []byte{1})
	kv.Delete(registry.RetireKey(addr)) // standing again, before its enclaves were retired
}

// Retire makes addr an account that may no longer register a gatekeeper
// enclave, and has the end of the block take the standing of those it
// registered (registry.ReasonRetired): its validator left the gatekeeper
// set for good.
func (Records) Retire(kv store.KV, addr crypto.Address) {
	kv.Delete(registry.ValidatorKey(addr))
	kv.Set(registry.RetireKey(addr), []byte{1})
}
