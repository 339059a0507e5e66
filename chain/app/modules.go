package app

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
)

// NewModules returns the chain's modules, wired to one another, in the
// order of their genesis and end-of-block work: the one list of modules
// that the application, the economics simulation and the tests share.
// Adding a module is a line here.
//
// The keepers that read the registry's records are given its Records,
// which read the state, rather than the registry's keeper, which sends
// messages through mq: that keeps the wiring free of cycles.
func NewModules() *module.Manager {
	q := mq.NewKeeper(registry.Records{})      // the registry says who may post
	k := keys.NewKeeper(q, registry.Records{}) // keys hands the master key to new gatekeepers
	comp := computing.NewKeeper(q, registry.Records{})
	m := module.NewManager(
		auth.Module{},
		bank.Module{},
		registry.Module{Keeper: registry.NewKeeper(q, k)},
		keys.Module{Keeper: k},
		computing.Module{Keeper: comp},
		stakepool.Module{Keeper: stakepool.NewKeeper(comp)},                           // workers' rewards go to their pools
		contracts.Module{Keeper: contracts.NewKeeper(q, registry.Records{}, k, comp)}, // a dissenting worker is penalized
		mq.Module{Keeper: q},                                                          // last: after the modules that send messages
	)
	for _, q := range appQueries() {
		m.AddQuery(q)
	}
	return m
}

// NewRouter returns a router with every module's messages: the chain's
// full message set, also used by clients to decode transactions.
func NewRouter() *module.Router { return NewModules().Router() }
