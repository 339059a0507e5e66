package keeper

import (
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	keyskeeper "github.com/phalanx-net/phalanx/chain/modules/keys/keeper"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes the module's state; it moves funds through the
// bank, asks the keys module for cluster keys, and reads worker records
// through the registry.
type Keeper struct {
	mq       *mqkeeper.Keeper
	registry registrykeeper.Records
	keys     *keyskeeper.Keeper
	bank     bankkeeper.Keeper
	penalty  Penalizer
}

// Penalizer is told about a worker whose result differed from the one
// its cluster's majority settled on (the computing module slashes its
// stake and turns it unresponsive); it reports the stake taken.
type Penalizer interface {
	Penalize(ctx *module.Context, worker crypto.PublicKey) (slashed pha.Amount, err error)
}

// NewKeeper returns a keeper; penalty may be nil.
func NewKeeper(q *mqkeeper.Keeper, reg registrykeeper.Records, k *keyskeeper.Keeper, penalty Penalizer) *Keeper {
	return &Keeper{mq: q, registry: reg, keys: k, penalty: penalty}
}

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
func (Keeper) Params(r store.Reader) contracts.Params {
	p, _ := get[contracts.Params](r, contracts.ParamsKey())
	return p
}

// Cluster returns a cluster.
func (Keeper) Cluster(r store.Reader, id uint64) (contracts.Cluster, bool) {
	return get[contracts.Cluster](r, contracts.ClusterKey(id))
}

// Code returns a code record.
func (Keeper) Code(r store.Reader, h contracts.Hash) (contracts.Code, bool) {
	return get[contracts.Code](r, contracts.CodeKey(h))
}

// Contract returns a contract.
func (Keeper) Contract(r store.Reader, id contracts.Hash) (contracts.Contract, bool) {
	return get[contracts.Contract](r, contracts.ContractKey(id))
}

// Command returns a command of a cluster's log.
func (Keeper) Command(r store.Reader, cluster, seq uint64) (contracts.Command, bool) {
	return get[contracts.Command](r, contracts.CommandKey(cluster, seq))
}

// Result returns a command's recorded result.
func (Keeper) Result(r store.Reader, cluster, seq uint64) (contracts.Result, bool) {
	return get[contracts.Result](r, contracts.ResultKey(cluster, seq))
}

func set(kv store.KV, key []byte, v any) { kv.Set(key, codec.MustMarshal(v)) }

// appendCommand adds cmd to the end of its cluster's log.
func (k *Keeper) appendCommand(ctx *module.Context, c *contracts.Cluster, cmd contracts.Command) uint64 {
	cmd.Cluster, cmd.Seq = c.ID, c.Commands
	cmd.Height, cmd.Time = ctx.Block.Height, ctx.Block.Time.UnixNano()
	kv := ctx.Store()
	cmd.Deadline = cmd.Time + k.Params(kv).ResultTimeout*int64(time.Second)
	set(kv, contracts.CommandKey(c.ID, cmd.Seq), cmd)
	kv.Set(contracts.DeadlineKey(cmd.Deadline, cmd.Cluster, cmd.Seq), []byte{1}) // the key is the index
	c.Commands++
	set(kv, contracts.ClusterKey(c.ID), *c)
	ctx.Emit(contracts.EventCommand,
		module.Attr{Key: contracts.AttrCluster, Value: module.Uint(c.ID), Index: true},
		module.Attr{Key: contracts.AttrSeq, Value: module.Uint(cmd.Seq), Index: true},
		module.Attr{Key: contracts.AttrContract, Value: cmd.Contract, Index: true},
	)
	return cmd.Seq
}
