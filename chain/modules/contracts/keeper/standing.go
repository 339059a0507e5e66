package keeper

import (
	"slices"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// StandingLost implements registrykeeper.StandingHooks: workers that lost
// their standing leave every cluster they are in, by the path a removal
// takes (rotate): the cluster's key gets a new generation that only the
// workers left are sent, and its contracts are rekeyed by the log. One
// pass over the clusters serves all the block's losses, which are rare.
// Unlike a removal by the owner or for a wrong result, the last worker
// leaves too: a worker without standing must not keep the key. A cluster
// left with no worker takes no commands until its owner adds some, which
// are then sent every generation and replay the log.
func (k *Keeper) StandingLost(ctx *module.Context, lost []registrykeeper.Lost) error {
	var gone []crypto.PublicKey
	for _, l := range lost {
		if l.Role == registry.RoleWorker {
			gone = append(gone, l.Enclave.Identity)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	kv := ctx.Store()
	var hit []contracts.Cluster
	kv.Iterate(contracts.ClusterPrefix(), func(_, v []byte) bool {
		var c contracts.Cluster
		store.MustDecode(v, &c)
		for _, w := range gone {
			if c.Has(w) {
				hit = append(hit, c)
				break
			}
		}
		return true
	})
	for _, c := range hit {
		var left []crypto.PublicKey
		c.Workers = slices.DeleteFunc(c.Workers, func(w crypto.PublicKey) bool {
			if slices.Contains(gone, w) {
				left = append(left, w)
				return true
			}
			return false
		})
		if err := k.rotateKeys(ctx, &c, true); err != nil {
			return err
		}
		for _, w := range left {
			ctx.Emit(contracts.EventClusterWorker, module.Attr{Key: contracts.AttrCluster, Value: module.Uint(c.ID), Index: true},
				module.Attr{Key: contracts.AttrWorker, Value: w, Index: true}, module.Attr{Key: contracts.AttrAction, Value: module.Text("remove")})
		}
	}
	return nil
}
