package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// MaxPrunePerBlock bounds the messages EndBlock deletes in one block, so
// that a recipient that reports a long backlog consumed at once costs the
// chain a few blocks of small work rather than one long block.
const MaxPrunePerBlock = 256

// recordConsumed raises an enclave's consumed count and marks it for
// pruning. A lower count than already known changes nothing: messages
// may be relayed late, and counts only grow.
func (k *Keeper) recordConsumed(kv store.KV, to crypto.PublicKey, consumed uint64) {
	if consumed <= readCount(kv, mq.ConsumedKey(to)) {
		return
	}
	kv.Set(mq.ConsumedKey(to), codec.MustMarshal(consumed))
	kv.Set(mq.PruneKey(to), []byte{1})
}

// Consumed returns how many of its messages an enclave reported consumed.
func (k *Keeper) Consumed(r store.Reader, to crypto.PublicKey) uint64 {
	return readCount(r, mq.ConsumedKey(to))
}

// FirstEgress returns the lowest sequence number still stored for an
// enclave; messages below it were consumed and deleted.
func (k *Keeper) FirstEgress(r store.Reader, to crypto.PublicKey) uint64 {
	return readCount(r, mq.EgressFirstKey(to))
}

// EndBlock deletes messages their recipients reported consumed, at most
// MaxPrunePerBlock of them, recipients in key order, so every node deletes
// the same ones in the same block. A deleted message is never needed
// again: its recipient resumes, after any crash, from a sealed checkpoint
// that counts it handled (the count it signed is the checkpoint's), and
// nothing else reads another enclave's messages.
func (k *Keeper) EndBlock(ctx *module.Context) {
	kv := ctx.Store()
	var due []crypto.PublicKey
	kv.Iterate(mq.PrunePrefix(), func(key, _ []byte) bool {
		var id crypto.PublicKey
		if len(key) != len(mq.PrunePrefix())+len(id) {
			panic(&store.IOError{Err: errBadPruneKey}) // only this keeper writes them
		}
		copy(id[:], key[len(mq.PrunePrefix()):])
		due = append(due, id)
		return len(due) < MaxPrunePerBlock // each costs at least one delete
	})
	budget := uint64(MaxPrunePerBlock)
	for _, id := range due {
		first, upto := readCount(kv, mq.EgressFirstKey(id)), readCount(kv, mq.ConsumedKey(id))
		end := min(upto, first+budget)
		for seq := first; seq < end; seq++ {
			kv.Delete(mq.EgressKey(id, seq))
		}
		budget -= end - first
		kv.Set(mq.EgressFirstKey(id), codec.MustMarshal(end))
		if end == upto {
			kv.Delete(mq.PruneKey(id))
		}
		if budget == 0 {
			return
		}
	}
}

var errBadPruneKey = mq.ErrBadMessage.Wrap("prune mark of the wrong length")
