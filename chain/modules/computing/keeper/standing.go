package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
)

// StandingLost implements registrykeeper.StandingHooks: a computing
// worker that lost its standing is stopped, as its operator would stop
// it: no more challenges or rewards, and its stake back after the
// cooldown. It cannot be started again until it regains its standing.
func (k *Keeper) StandingLost(ctx *module.Context, lost []registrykeeper.Lost) error {
	kv := ctx.Store()
	for _, l := range lost {
		if l.Role != registry.RoleWorker {
			continue
		}
		w, ok := k.Worker(kv, l.Enclave.Identity)
		if !ok || (w.State != computing.Idle && w.State != computing.Unresponsive) {
			continue
		}
		if err := k.StopWorker(ctx, w.ID); err != nil {
			return err
		}
	}
	return nil
}
