// Package modtest is the modules' test bench: a fresh state, a router,
// a block clock, funded accounts, and sim enclaves that register and post
// through the message queue as real ones do. Each test gives Use the
// modules it needs, wired as the application wires them; the bench runs
// them through the application's module manager.
package modtest

import (
	"context"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
)

// ChainID is the test chain's id.
const ChainID = "phalanx-test"

// Key derives a test key from a name.
func Key(name string) crypto.PrivateKey {
	seed := make([]byte, 32)
	copy(seed, name)
	k, err := crypto.PrivateKeyFromSeed(seed)
	if err != nil {
		panic(err)
	}
	return k
}

// Env is a test chain without consensus.
type Env struct {
	T     testing.TB
	State *store.Cache
	// Modules are the modules given to Use, and Router their messages.
	Modules *module.Manager
	Router  *module.Router
	Now     time.Time
	Height  int64
	// Events are the types of the events successful messages emitted,
	// and Emitted the events themselves.
	Events  []string
	Emitted []abci.Event
	// GasUsed is the gas the last Run used.
	GasUsed uint64
	seqs    map[crypto.PublicKey]uint64
	bank    bankkeeper.Keeper
}

// New returns an empty state at 2026-01-01, height 1.
func New(t testing.TB) *Env {
	t.Helper()
	tree, err := statedb.Open(t.TempDir(), statedb.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	return &Env{T: t, State: store.NewCache(tree), Modules: module.NewManager(), Router: module.NewRouter(), Height: 1,
		Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), seqs: map[crypto.PublicKey]uint64{}}
}

// RegistryGenesis is a registry genesis that accepts sim enclaves, whose
// registrations keep their standing for the longest ttl: tests that
// run the clock for months do not re-register; those of the expiry set
// their own.
func (e *Env) RegistryGenesis(council crypto.Address) registry.Genesis {
	g := registry.DefaultGenesis(council)
	g.Params.AllowSim = true
	g.Params.RegistrationTTL = registry.MaxRegistrationTTL
	g.Params.Measurements = []registry.Measurement{{Platform: tee.Sim, Value: tee.SimMeasurement(enclave.Version)}}
	return g
}

// Block is the current block.
func (e *Env) Block() module.Block {
	return module.Block{ChainID: ChainID, Height: e.Height, Time: e.Now}
}

// Ctx is a context for block hooks and genesis: no sender, no gas.
func (e *Env) Ctx() *module.Context {
	return module.NewContext(e.State, e.Block(), crypto.Address{}, nil, nil)
}

// Use puts mods under the bench's module manager, in that order (the
// order of their end-of-block work), and routes their messages.
func (e *Env) Use(mods ...module.Module) {
	e.Modules = module.NewManager(mods...)
	e.Router = e.Modules.Router()
}

// EndBlock runs the modules' end-of-block work as the application does,
// with the block's hash and its signers' votes, and records its events.
func (e *Env) EndBlock(hash []byte, votes ...module.Vote) error {
	e.T.Helper()
	ctx := e.Ctx()
	if err := e.Modules.EndBlock(ctx, module.EndBlockInfo{Hash: hash, Votes: votes}); err != nil {
		return err
	}
	for _, ev := range ctx.Events() {
		e.Events = append(e.Events, ev.Type)
	}
	e.Emitted = append(e.Emitted, ctx.Events()...)
	return nil
}

// Advance moves the clock by d and the height by one.
func (e *Env) Advance(d time.Duration) { e.Now, e.Height = e.Now.Add(d), e.Height+1 }

// Fund gives addr amount, raising the supply with it.
func (e *Env) Fund(addr crypto.Address, amount pha.Amount) {
	bal, _ := e.bank.Balance(e.State, addr).Add(amount)
	sup, _ := e.bank.Supply(e.State).Add(amount)
	e.State.Set(bank.BalanceKey(addr), codec.MustMarshal(bal))
	e.State.Set(bank.SupplyKey(), codec.MustMarshal(sup))
}

// Balance returns addr's balance.
func (e *Env) Balance(addr crypto.Address) pha.Amount { return e.bank.Balance(e.State, addr) }

// Run executes msg from sender as a transaction does: its writes are
// kept only if it succeeds.
func (e *Env) Run(sender crypto.PrivateKey, msg module.Msg) error {
	e.T.Helper()
	if err := msg.ValidateBasic(); err != nil {
		return err
	}
	c := store.NewCache(e.State)
	meter := module.NewGasMeter(200_000_000)
	ctx := module.NewContext(c, e.Block(), sender.Public().Address(), meter, nil)
	err := e.Router.Handle(ctx, msg)
	e.GasUsed = meter.Used()
	if err == nil {
		c.Write(e.State)
		for _, ev := range ctx.Events() {
			e.Events = append(e.Events, ev.Type)
		}
		e.Emitted = append(e.Emitted, ctx.Events()...)
	}
	return err
}

// NewEnclave opens a sim enclave with its secrets, in a directory of its
// own.
func (e *Env) NewEnclave() *enclave.Enclave {
	e.T.Helper()
	return e.NewEnclaveMeasured(enclave.Version)
}

// NewEnclaveMeasured opens a sim enclave whose measurement names another
// build (tee.SimMeasurement(simVersion)), such as one the allowlist
// lists beside the bench's or drops.
func (e *Env) NewEnclaveMeasured(simVersion uint32) *enclave.Enclave {
	e.T.Helper()
	dir := e.T.TempDir()
	en, _, err := enclave.Open(tee.Sim, tee.Options{SimVersion: simVersion}, dir)
	if err != nil {
		e.T.Fatal(err)
	}
	if err := en.OpenSecrets(dir); err != nil {
		e.T.Fatal(err)
	}
	return en
}

// Register registers an enclave in role, from operator.
func (e *Env) Register(en *enclave.Enclave, role registry.Role, operator crypto.PrivateKey) {
	e.T.Helper()
	reg, err := en.Registration(context.Background(), role, ChainID, operator.Public().Address(), e.Now.Add(-time.Second))
	if err != nil {
		e.T.Fatal(err)
	}
	var msg module.Msg = &registry.MsgRegisterWorker{Registration: reg}
	if role == registry.RoleGatekeeper {
		msg = &registry.MsgRegisterGatekeeper{Registration: reg}
	}
	if err := e.Run(operator, msg); err != nil {
		e.T.Fatalf("register %s: %v", role, err)
	}
}

// Post sends an enclave's message in its next sequence, carried by
// carrier.
func (e *Env) Post(carrier crypto.PrivateKey, en *enclave.Enclave, topic string, v any) error {
	e.T.Helper()
	id := en.Identity()
	err := e.Run(carrier, en.Post(ChainID, e.seqs[id], topic, codec.MustMarshal(v)))
	if err == nil {
		e.seqs[id]++
	}
	return err
}
