package keeper

import (
	"slices"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// EndBlock takes the standing of the enclaves that lost it in this
// block: the registrations the expiry index says are due, after a
// change of the parameters every record the new parameters no longer
// accept, and after newly stored collateral the records of its scope
// whose TCB it refuses. It runs before the modules that act on a loss
// (the module list puts the registry before them), so they see it in
// the same block: each is marked on its record with the reason, an
// event says so, and the StandingHooks drop what it had.
func (k Keeper) EndBlock(ctx *module.Context) error {
	kv := ctx.Store()
	p := k.Params(kv)
	now := ctx.Block.Time.Unix()
	// Collateral first: the scans after it read the records it judged.
	lost := k.rescanCollateral(kv, p, ctx.Block.Time)
	if kv.Get(registry.RescanKey()) != nil {
		kv.Delete(registry.RescanKey())
		lost = append(lost, k.rescan(kv, p, now)...)
	}
	lost = append(lost, k.due(kv, p, now)...)
	lost = append(lost, k.retired(kv)...)
	if len(lost) == 0 {
		return nil
	}
	slices.SortFunc(lost, func(a, b Lost) int {
		if a.Role != b.Role {
			return int(a.Role) - int(b.Role)
		}
		return slices.Compare(a.Enclave.Identity[:], b.Enclave.Identity[:])
	})
	lost = slices.CompactFunc(lost, func(a, b Lost) bool { return a.Role == b.Role && a.Enclave.Identity == b.Enclave.Identity })
	for i := range lost {
		l := &lost[i]
		if l.Enclave.Expires != 0 {
			kv.Delete(registry.ExpiryKey(l.Enclave.Expires, l.Role, l.Enclave.Identity))
		}
		l.Enclave.Lost, l.Enclave.LostHeight = l.Reason, ctx.Block.Height
		kv.Set(registry.RecordKey(l.Role, l.Enclave.Identity), codec.MustMarshal(l.Enclave))
		ctx.Emit(registry.EventStanding,
			module.Attr{Key: registry.AttrIdentity, Value: l.Enclave.Identity, Index: true},
			module.Attr{Key: registry.AttrRole, Value: l.Role},
			module.Attr{Key: registry.AttrReason, Value: l.Reason},
		)
	}
	for _, h := range k.standing {
		// Each module's work in a cache of its own: a module that
		// cannot finish (no gatekeeper holds a key to send, say) must
		// not undo the loss itself, nor the other modules' work, nor
		// the rest of the block's end.
		c := store.NewCache(kv)
		hctx := module.NewContext(c, ctx.Block, crypto.Address{}, nil, ctx.Log)
		if err := h.StandingLost(hctx, lost); err != nil {
			ctx.Log.Error("dropping what enclaves without standing had failed", "height", ctx.Block.Height, "err", err)
			continue
		}
		c.Write(kv)
		ctx.AppendEvents(hctx.Events())
	}
	return nil
}

// retired returns the gatekeeper enclaves in standing of the validator
// accounts marked retired (Records.Retire), and drops the marks.
func (k Keeper) retired(kv store.KV) []Lost {
	var marks [][]byte
	kv.Iterate(registry.RetirePrefix(), func(key, _ []byte) bool {
		marks = append(marks, append([]byte(nil), key...))
		return true
	})
	if len(marks) == 0 {
		return nil
	}
	gone := map[crypto.Address]bool{}
	for _, m := range marks {
		kv.Delete(m)
		if a, err := crypto.AddressFromBytes(m[len(registry.RetirePrefix()):]); err == nil {
			gone[a] = true
		}
	}
	var lost []Lost
	k.Gatekeepers(kv, func(e registry.Enclave) bool {
		if e.InStanding() && gone[e.Validator] {
			lost = append(lost, Lost{Role: registry.RoleGatekeeper, Enclave: e, Reason: registry.ReasonRetired})
		}
		return true
	})
	return lost
}

// due returns the enclaves whose registration expired by now, from the
// expiry index, and drops the index's entries that are stale.
func (k Keeper) due(kv store.KV, p registry.Params, now int64) []Lost {
	var keys [][]byte
	kv.Iterate(registry.ExpiryPrefix(), func(key, _ []byte) bool {
		at, _, _, ok := registry.ParseExpiryKey(key)
		if ok && at > now {
			return false
		}
		keys = append(keys, key)
		return true
	})
	var lost []Lost
	for _, key := range keys {
		at, role, id, ok := registry.ParseExpiryKey(key)
		e, found := k.get(kv, registry.RecordKey(role, id))
		if !ok || !found || !e.InStanding() || e.Expires != at {
			kv.Delete(key) // not the record's entry any more
			continue
		}
		if r := registry.Standing(p, role, e, now); r != registry.InStanding {
			lost = append(lost, Lost{Role: role, Enclave: e, Reason: r})
		}
	}
	return lost
}

// rescan checks every record in standing against new parameters: it
// moves each in the expiry index to its expiry under them, and returns
// those that lost their standing.
func (k Keeper) rescan(kv store.KV, p registry.Params, now int64) []Lost {
	var all []Lost
	k.Workers(kv, func(e registry.Enclave) bool {
		all = append(all, Lost{Role: registry.RoleWorker, Enclave: e})
		return true
	})
	k.Gatekeepers(kv, func(e registry.Enclave) bool {
		all = append(all, Lost{Role: registry.RoleGatekeeper, Enclave: e})
		return true
	})
	var lost []Lost
	for _, l := range all {
		e := l.Enclave
		if !e.InStanding() {
			continue
		}
		if exp := registry.Expiry(p, e); exp != e.Expires {
			if e.Expires != 0 {
				kv.Delete(registry.ExpiryKey(e.Expires, l.Role, e.Identity))
			}
			e.Expires = exp
			kv.Set(registry.ExpiryKey(e.Expires, l.Role, e.Identity), present)
			kv.Set(registry.RecordKey(l.Role, e.Identity), codec.MustMarshal(e))
		}
		if r := registry.Standing(p, l.Role, e, now); r != registry.InStanding {
			lost = append(lost, Lost{Role: l.Role, Enclave: e, Reason: r})
		}
	}
	return lost
}
