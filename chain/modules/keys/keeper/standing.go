package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/crypto"
)

// StandingLost implements registrykeeper.StandingHooks: a gatekeeper
// enclave that lost its standing leaves the holders of every epoch and
// is asked for no key any more; its handover marks go, so that it is
// handed the keys again if it regains its standing. If it held a master
// key, the master key rotates: the next one is handed only to the
// gatekeepers left, and every cluster moves to it (the contracts module,
// at the end of this block). A worker that lost its standing needs
// nothing here: the keys module sends it no cluster key from now on, and
// drops an answer to a request made before.
func (k *Keeper) StandingLost(ctx *module.Context, lost []registrykeeper.Lost) error {
	kv := ctx.Store()
	rotate := false
	for _, l := range lost {
		if l.Role != registry.RoleGatekeeper {
			continue
		}
		id := l.Enclave.Identity
		s := k.Status(kv)
		for epoch := uint32(0); epoch < s.Epochs; epoch++ {
			if k.IsHolder(kv, epoch, id) {
				kv.Delete(keys.HolderKey(epoch, id))
				rotate = true
			}
			kv.Delete(keys.RequestedKey(epoch, id))
			kv.Delete(keys.HandedKey(epoch, id))
		}
		if s.Generating && s.Generator == id {
			// Its key will not be published; another gatekeeper makes it.
			s.Generating, s.Generator = false, crypto.PublicKey{}
			k.setStatus(kv, s)
			rotate = true
		}
	}
	if !rotate {
		return nil
	}
	s := k.Status(kv)
	switch {
	case s.Generating:
		// A rotation under way: its key goes to the gatekeepers left only.
	case s.Epochs == 0:
		// The first key was being made by the one that left: the first
		// gatekeeper in standing makes it.
		k.registry.Gatekeepers(kv, func(e registry.Enclave) bool {
			if !e.InStanding() {
				return true
			}
			s.Generating, s.Generator = true, e.Identity
			k.setStatus(kv, s)
			k.mq.Send(ctx, e.Identity, keys.TopicGenerate, codec.MustMarshal(keys.Generate{Epoch: 0}))
			return false
		})
	default:
		k.generateNext(ctx)
	}
	return nil
}
