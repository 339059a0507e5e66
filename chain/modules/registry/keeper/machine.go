package keeper

import (
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// claimMachine records that worker id computes on the machine its
// verified evidence v comes from, or refuses it if another worker in
// standing is recorded there: otherwise one machine could claim several
// workers' rewards. A worker that lost its standing (or whose
// registration expired, as the end of this block would find) leaves the
// machine to the next. Evidence that names no machine (sim) claims none.
func (k Keeper) claimMachine(kv store.KV, p registry.Params, v verify.Verified, id crypto.PublicKey, now int64) error {
	if len(v.Machine) == 0 {
		return nil
	}
	key := registry.MachineKey(v.Platform, v.Machine)
	if b := kv.Get(key); b != nil {
		other, err := crypto.PublicKeyFromBytes(b)
		if err == nil && other != id {
			if rec, ok := k.get(kv, registry.WorkerKey(other)); ok && registry.Standing(p, registry.RoleWorker, rec, now) == registry.InStanding && rec.InStanding() {
				return registry.ErrMachineTaken.Wrap("worker %s is registered on this %s machine and has its standing", other, v.Platform)
			}
		}
	}
	kv.Set(key, id[:])
	return nil
}
