package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes the module's state. It reads gatekeeper and
// worker records through the registry's keeper and talks to enclaves
// through the queue.
type Keeper struct {
	mq       *mqkeeper.Keeper
	registry registrykeeper.Records
}

// NewKeeper returns a keeper; reg may be filled in after this call (the
// registry and this module refer to each other).
func NewKeeper(q *mqkeeper.Keeper, reg registrykeeper.Records) *Keeper {
	return &Keeper{mq: q, registry: reg}
}

// Status returns the module's summary.
func (Keeper) Status(r store.Reader) keys.Status {
	var s keys.Status
	if v := r.Get(keys.StatusKey()); v != nil {
		store.MustDecode(v, &s)
	}
	return s
}

func (Keeper) setStatus(kv store.KV, s keys.Status) { kv.Set(keys.StatusKey(), codec.MustMarshal(s)) }

// Master returns an epoch's record.
func (Keeper) Master(r store.Reader, epoch uint32) (keys.Master, bool) {
	v := r.Get(keys.MasterKey(epoch))
	if v == nil {
		return keys.Master{}, false
	}
	var m keys.Master
	store.MustDecode(v, &m)
	return m, true
}

// IsHolder reports whether a gatekeeper holds an epoch's master key.
func (Keeper) IsHolder(r store.Reader, epoch uint32, id crypto.PublicKey) bool {
	return r.Get(keys.HolderKey(epoch, id)) != nil
}

// HoldsCurrentMaster reports whether a gatekeeper holds the current
// epoch's master key.
func (k Keeper) HoldsCurrentMaster(r store.Reader, id crypto.PublicKey) bool {
	e, ok := k.Status(r).Current()
	return ok && k.IsHolder(r, e, id)
}

// Holders returns the holders of an epoch's key, in identity order.
func (Keeper) Holders(r store.Reader, epoch uint32) []crypto.PublicKey {
	var out []crypto.PublicKey
	prefix := keys.HolderPrefix(epoch)
	r.Iterate(prefix, func(k, _ []byte) bool {
		id, err := crypto.PublicKeyFromBytes(k[len(prefix):])
		if err != nil {
			panic(&store.IOError{Err: err})
		}
		out = append(out, id)
		return true
	})
	return out
}

// ClusterKeySent reports whether a worker was sent a cluster's key.
func (Keeper) ClusterKeySent(r store.Reader, cluster uint64, worker crypto.PublicKey) bool {
	return r.Get(keys.ClusterHandedKey(cluster, worker)) != nil
}

var present = []byte{1}

// clusterAsk is what the chain keeps of a pending ClusterRequest. A
// request for generation 0 is kept as its bare epoch, as before key
// generations existed.
type clusterAsk struct {
	Epoch  uint32            `cbor:"1,keyasint"`
	Gen    uint32            `cbor:"2,keyasint"`
	Starts []keys.EpochStart `cbor:"3,keyasint,omitempty"`
}

func encodeAsk(a clusterAsk) []byte {
	if a.Gen == 0 && len(a.Starts) == 0 {
		return codec.MustMarshal(a.Epoch)
	}
	return codec.MustMarshal(a)
}

func decodeAsk(v []byte) clusterAsk {
	var a clusterAsk
	if codec.Unmarshal(v, &a.Epoch) == nil {
		return a
	}
	store.MustDecode(v, &a)
	return a
}
