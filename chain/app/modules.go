package app

import (
	"github.com/phalanx-net/phalanx/chain/module"
	authkeeper "github.com/phalanx-net/phalanx/chain/modules/auth/keeper"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	computingkeeper "github.com/phalanx-net/phalanx/chain/modules/computing/keeper"
	contractskeeper "github.com/phalanx-net/phalanx/chain/modules/contracts/keeper"
	govkeeper "github.com/phalanx-net/phalanx/chain/modules/gov/keeper"
	keyskeeper "github.com/phalanx-net/phalanx/chain/modules/keys/keeper"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	stakepoolkeeper "github.com/phalanx-net/phalanx/chain/modules/stakepool/keeper"
	stakingkeeper "github.com/phalanx-net/phalanx/chain/modules/staking/keeper"
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
	q := mqkeeper.NewKeeper(registrykeeper.Records{})      // the registry says who may post
	k := keyskeeper.NewKeeper(q, registrykeeper.Records{}) // keys hands the master key to new gatekeepers
	comp := computingkeeper.NewKeeper(q, registrykeeper.Records{})
	ct := contractskeeper.NewKeeper(q, registrykeeper.Records{}, k, comp) // a dissenting worker is penalized
	// An enclave that lost its standing leaves the key holders first, so
	// that the cluster keys its loss replaces are asked of those left.
	reg := registrykeeper.NewKeeper(q, k).OnStandingLost(k, comp, ct).OnSealingRoot(k)
	st := stakingkeeper.NewKeeper(registrykeeper.Records{}, k)
	comp.SetValidators(st) // a signer's rewards are shared with its nominators
	g := govkeeper.NewKeeper(st, registrykeeper.Records{})
	m := module.NewManager(
		authkeeper.Module{},
		bankkeeper.Module{},
		registrykeeper.Module{Keeper: reg}, // its end of block first: the others see a loss of standing in its block
		keyskeeper.Module{Keeper: k},
		computingkeeper.Module{Keeper: comp},
		stakepoolkeeper.Module{Keeper: stakepoolkeeper.NewKeeper(comp)}, // workers' rewards go to their pools
		contractskeeper.Module{Keeper: ct},
		stakingkeeper.Module{Keeper: st}, // the gatekeepers' stake, electing the validators
		govkeeper.Module{Keeper: g},      // after staking: votes are weighed by the stake as the block leaves it
		mqkeeper.Module{Keeper: q},       // last: after the modules that send messages
	)
	g.UseParams(m.Modules()) // governance changes every module's parameters
	for _, q := range appQueries() {
		m.AddQuery(q)
	}
	return m
}

// NewRouter returns a router with every module's messages: the chain's
// full message set, also used by clients to decode transactions.
func NewRouter() *module.Router { return NewModules().Router() }
