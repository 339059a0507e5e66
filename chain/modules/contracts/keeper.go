package contracts

import (
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes the module's state; it moves funds through the
// bank, asks the keys module for cluster keys, and reads worker records
// through the registry.
type Keeper struct {
	mq       *mq.Keeper
	registry registry.Records
	keys     *keys.Keeper
	bank     bank.Keeper
	penalty  Penalizer
}

// Penalizer is told about a worker whose result differed from the one
// its cluster's majority settled on (the computing module slashes its
// stake and turns it unresponsive); it reports the stake taken.
type Penalizer interface {
	Penalize(ctx *module.Context, worker crypto.PublicKey) (slashed pha.Amount, err error)
}

// NewKeeper returns a keeper; penalty may be nil.
func NewKeeper(q *mq.Keeper, reg registry.Records, k *keys.Keeper, penalty Penalizer) *Keeper {
	return &Keeper{mq: q, registry: reg, keys: k, penalty: penalty}
}

// Account is the module account that holds deposits and escrows.
func Account() crypto.Address { return crypto.ModuleAddress(ModuleName) }

func get[T any](r store.Reader, key []byte) (T, bool) {
	var out T
	v := r.Get(key)
	if v == nil {
		return out, false
	}
	store.MustDecode(v, &out)
	return out, true
}

// Params returns the parameters.
func (Keeper) Params(r store.Reader) Params {
	p, _ := get[Params](r, paramsKey)
	return p
}

// Cluster returns a cluster.
func (Keeper) Cluster(r store.Reader, id uint64) (Cluster, bool) {
	return get[Cluster](r, ClusterKey(id))
}

// Code returns a code record.
func (Keeper) Code(r store.Reader, h Hash) (Code, bool) { return get[Code](r, CodeKey(h)) }

// Contract returns a contract.
func (Keeper) Contract(r store.Reader, id Hash) (Contract, bool) {
	return get[Contract](r, ContractKey(id))
}

// Command returns a command of a cluster's log.
func (Keeper) Command(r store.Reader, cluster, seq uint64) (Command, bool) {
	return get[Command](r, CommandKey(cluster, seq))
}

// Result returns a command's recorded result.
func (Keeper) Result(r store.Reader, cluster, seq uint64) (Result, bool) {
	return get[Result](r, ResultKey(cluster, seq))
}

func set(kv store.KV, key []byte, v any) { kv.Set(key, codec.MustMarshal(v)) }

// appendCommand adds cmd to the end of its cluster's log.
func (k *Keeper) appendCommand(ctx *module.Context, c *Cluster, cmd Command) uint64 {
	cmd.Cluster, cmd.Seq = c.ID, c.Commands
	cmd.Height, cmd.Time = ctx.Block.Height, ctx.Block.Time.UnixNano()
	kv := ctx.Store()
	cmd.Deadline = cmd.Time + k.Params(kv).ResultTimeout*int64(time.Second)
	set(kv, CommandKey(c.ID, cmd.Seq), cmd)
	kv.Set(deadlineKey(cmd.Deadline, cmd.Cluster, cmd.Seq), []byte{1}) // the key is the index
	c.Commands++
	set(kv, ClusterKey(c.ID), *c)
	ctx.Emit(EventCommand,
		module.Attr{Key: AttrCluster, Value: module.Uint(c.ID), Index: true},
		module.Attr{Key: AttrSeq, Value: module.Uint(cmd.Seq), Index: true},
		module.Attr{Key: AttrContract, Value: cmd.Contract, Index: true},
	)
	return cmd.Seq
}
