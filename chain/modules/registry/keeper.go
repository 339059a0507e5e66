package registry

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// State keys.
var (
	paramsKey        = []byte("registry/params")
	workerPrefix     = []byte("registry/worker/")
	gatekeeperPrefix = []byte("registry/gatekeeper/")
	validatorPrefix  = []byte("registry/validator/")
)

// ParamsKey is the state key of the parameters.
func ParamsKey() []byte { return paramsKey }

// WorkerKey is the state key of a worker's record.
func WorkerKey(id crypto.PublicKey) []byte {
	return append(append(make([]byte, 0, len(workerPrefix)+len(id)), workerPrefix...), id[:]...)
}

// GatekeeperKey is the state key of a gatekeeper enclave's record.
func GatekeeperKey(id crypto.PublicKey) []byte {
	return append(append(make([]byte, 0, len(gatekeeperPrefix)+len(id)), gatekeeperPrefix...), id[:]...)
}

// WorkerPrefix is the state prefix of all worker records.
func WorkerPrefix() []byte { return workerPrefix }

// GatekeeperPrefix is the state prefix of all gatekeeper records.
func GatekeeperPrefix() []byte { return gatekeeperPrefix }

func validatorKey(a crypto.Address) []byte {
	return append(append(make([]byte, 0, len(validatorPrefix)+len(a)), validatorPrefix...), a[:]...)
}

// Keeper reads and writes the registry's state and tells enclaves about
// their registration through the message queue.
type Keeper struct {
	Records
	mq    *mqkeeper.Keeper
	hooks []Hooks
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
	EnclaveRegistered(ctx *module.Context, role Role, e Enclave) error
}

// NewKeeper returns a registry keeper that sends through q and tells
// hooks about new enclaves.
func NewKeeper(q *mqkeeper.Keeper, hooks ...Hooks) Keeper { return Keeper{mq: q, hooks: hooks} }

// DecodeEnclave decodes a stored enclave record (for clients).
func DecodeEnclave(v []byte) (Enclave, error) {
	var e Enclave
	err := codec.Unmarshal(v, &e)
	return e, err
}

// DecodeParams decodes stored parameters (for clients).
func DecodeParams(v []byte) (Params, error) {
	var p Params
	err := codec.Unmarshal(v, &p)
	return p, err
}

// Params returns the parameters.
func (Records) Params(r store.Reader) Params {
	var p Params
	store.MustDecode(r.Get(paramsKey), &p)
	return p
}

// SetParams writes the parameters.
func (Records) SetParams(kv store.KV, p Params) { kv.Set(paramsKey, codec.MustMarshal(p)) }

func (Records) get(r store.Reader, key []byte) (Enclave, bool) {
	v := r.Get(key)
	if v == nil {
		return Enclave{}, false
	}
	var e Enclave
	store.MustDecode(v, &e)
	return e, true
}

// Worker returns a worker's record.
func (k Records) Worker(r store.Reader, id crypto.PublicKey) (Enclave, bool) {
	return k.get(r, WorkerKey(id))
}

// Gatekeeper returns a gatekeeper enclave's record.
func (k Records) Gatekeeper(r store.Reader, id crypto.PublicKey) (Enclave, bool) {
	return k.get(r, GatekeeperKey(id))
}

// Workers calls fn for every worker, in identity order, until it returns
// false.
func (Records) Workers(r store.Reader, fn func(Enclave) bool) {
	r.Iterate(workerPrefix, func(_, v []byte) bool {
		var e Enclave
		store.MustDecode(v, &e)
		return fn(e)
	})
}

// Gatekeepers calls fn for every gatekeeper enclave, in identity order,
// until it returns false.
func (Records) Gatekeepers(r store.Reader, fn func(Enclave) bool) {
	r.Iterate(gatekeeperPrefix, func(_, v []byte) bool {
		var e Enclave
		store.MustDecode(v, &e)
		return fn(e)
	})
}

// IsEnclave implements mq.Senders: registered workers and gatekeeper
// enclaves may post messages.
func (k Records) IsEnclave(r store.Reader, id crypto.PublicKey) bool {
	return r.Get(WorkerKey(id)) != nil || r.Get(GatekeeperKey(id)) != nil
}

// IsValidator reports whether addr is the account of a validator.
func (Records) IsValidator(r store.Reader, addr crypto.Address) bool {
	return r.Get(validatorKey(addr)) != nil
}

// SetValidator records addr as a validator account (from the genesis
// validator set).
func (Records) SetValidator(kv store.KV, addr crypto.Address) { kv.Set(validatorKey(addr), []byte{1}) }
