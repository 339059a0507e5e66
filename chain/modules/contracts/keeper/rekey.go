package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// followMasterKey moves every cluster to a master key published since
// the end of the last block: each gets a new key generation derived
// from it, by the path a removal takes (rotate), so the gatekeepers of
// the old key, a gatekeeper that left among them, cannot derive the
// keys that seal what is sent to the cluster from now on. Older
// generations keep deriving from the epoch they were made under, so
// the commands logged before, sealed to them, still run; a worker that
// joins later is sent them all. A rotation is rare, and its one scan of
// the clusters runs at the end of the block its key was published in.
// Until some gatekeeper holds the new key the clusters wait.
func (k *Keeper) followMasterKey(ctx *module.Context) error {
	kv := ctx.Store()
	cur, ok := k.keys.Status(kv).Current()
	if !ok {
		return nil
	}
	var moved uint32
	if v := kv.Get(contracts.KeyEpochKey()); v != nil {
		store.MustDecode(v, &moved)
	}
	if cur <= moved || len(k.keys.Holders(kv, cur)) == 0 {
		return nil
	}
	var behind []contracts.Cluster
	kv.Iterate(contracts.ClusterPrefix(), func(_, v []byte) bool {
		var c contracts.Cluster
		store.MustDecode(v, &c)
		if c.KeyEpoch() < cur {
			behind = append(behind, c)
		}
		return true
	})
	done := true
	for _, c := range behind {
		// Each cluster in a cache of its own: one whose keys no
		// gatekeeper can send yet (none holds every epoch it needs) is
		// tried again at the next block's end, and holds up no other.
		cache := store.NewCache(kv)
		cctx := module.NewContext(cache, ctx.Block, crypto.Address{}, nil, ctx.Log)
		c.Starts = append(c.Starts, keys.EpochStart{Gen: c.KeyGen + 1, Epoch: cur})
		if err := k.rotate(cctx, &c); err != nil {
			ctx.Log.Warn("a cluster waits to move to the new master key", "cluster", c.ID, "epoch", cur, "err", err)
			done = false
			continue
		}
		cache.Write(kv)
		ctx.AppendEvents(cctx.Events())
	}
	if done {
		kv.Set(contracts.KeyEpochKey(), codec.MustMarshal(cur))
	}
	return nil
}
