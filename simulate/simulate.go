// Package simulate runs the chain's computing economics (the
// application's modules, from its one module list, over a real state
// store) with a synthetic population of sim workers for days of block
// time, without consensus or signatures: what `phalanx simulate rewards`
// prints.
package simulate

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/phalanx-net/phalanx/chain/app"
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	computingkeeper "github.com/phalanx-net/phalanx/chain/modules/computing/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	stakepoolkeeper "github.com/phalanx-net/phalanx/chain/modules/stakepool/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
)

// Config configures a simulation.
type Config struct {
	Workers int
	Days    int
	// Step is the block time between simulated blocks (default 10 min);
	// every worker answers its challenges within the step.
	Step time.Duration
	// Params are the economics (default computing.DefaultParams).
	Params *computing.Params
	// Seed makes the population (scores, stakes) reproducible.
	Seed uint64
	// Progress, if set, is told after each simulated day.
	Progress func(day, days int)
}

// Day is one simulated day.
type Day struct {
	Day        int        `json:"day"`
	Emitted    pha.Amount `json:"emitted"`
	Cumulative pha.Amount `json:"cumulative"`
	// Schedule is the closed-form budget up to the end of the day.
	Schedule pha.Amount `json:"schedule"`
}

// Result is a simulation's outcome.
type Result struct {
	Days          []Day      `json:"days"`
	Total         pha.Amount `json:"total"`
	Schedule      pha.Amount `json:"schedule"`
	ToWorkers     pha.Amount `json:"to_workers"` // their pools, or operators
	ToGatekeepers pha.Amount `json:"to_gatekeepers"`
	ToTreasury    pha.Amount `json:"to_treasury"`
	PoolLeft      pha.Amount `json:"reward_pool_left"`
	// Deviation is |total − schedule| / schedule.
	Deviation string `json:"deviation"`
}

// Rewards runs the simulation.
func Rewards(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Step == 0 {
		cfg.Step = 10 * time.Minute
	}
	p := computing.DefaultParams()
	if cfg.Params != nil {
		p = *cfg.Params
	}
	dir, err := os.MkdirTemp("", "phalanx-simulate")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	c, err := newChain(dir, p)
	if err != nil {
		return nil, err
	}
	defer c.tree.Close()
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	ids := make([]crypto.PublicKey, cfg.Workers)
	for i := range ids {
		if ids[i], err = c.addWorker(ctx, i, 500+rng.Uint64N(2501)); err != nil {
			return nil, fmt.Errorf("worker %d: %w", i, err)
		}
	}
	res := &Result{}
	start := c.comp.Totals(c.kv).Start
	day := int64(24 * time.Hour)
	steps := int64(cfg.Days) * day / int64(cfg.Step)
	var lastPaid pha.Amount
	for s := int64(1); s <= steps; s++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.block(cfg.Step, s, ids); err != nil {
			return nil, err
		}
		if elapsed := c.now.UnixNano() - start; elapsed%day == 0 {
			d := int(elapsed / day)
			paid := c.comp.Totals(c.kv).Paid
			emitted, _ := paid.Sub(lastPaid)
			lastPaid = paid
			sched, err := computing.Budget(p, start, start, c.now.UnixNano())
			if err != nil {
				return nil, err
			}
			res.Days = append(res.Days, Day{Day: d, Emitted: emitted, Cumulative: paid, Schedule: sched.PHA()})
			// A version a day keeps the working set small.
			if _, _, err := c.tree.Commit(); err != nil {
				return nil, err
			}
			if cfg.Progress != nil {
				cfg.Progress(d, cfg.Days)
			}
		}
	}
	if err := c.result(res, p, start, len(ids)); err != nil {
		return nil, err
	}
	return res, c.mods.CheckState(c.kv)
}

const chainID = "phalanx-simulation"

// gatekeeper is the one validator that signs every simulated block.
var gatekeeper = crypto.ModuleAddress("simulated-gatekeeper")

// chain is the simulated chain: the application's modules over a real
// state store, run without consensus, and a sim TEE for the workers.
type chain struct {
	tree   *statedb.Tree
	kv     store.KV // the working state takes every write
	mods   *module.Manager
	comp   *computingkeeper.Keeper
	pools  *stakepoolkeeper.Keeper
	bank   bankkeeper.Keeper
	sim    tee.Options // the workers' sim platform, one sealing key for all
	dir    string
	now    time.Time
	height int64
}

// newChain writes the genesis: the seed's allocation (the reward pool
// holds its 700 M PHA), a registry that accepts this build's sim enclave,
// and the economics p.
func newChain(dir string, p computing.Params) (*chain, error) {
	tree, err := statedb.Open(dir, statedb.DefaultOptions())
	if err != nil {
		return nil, err
	}
	c := &chain{tree: tree, kv: tree, mods: app.NewModules(), dir: dir, height: 1,
		now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	comp, _ := module.Get[computingkeeper.Module](c.mods)
	pools, _ := module.Get[stakepoolkeeper.Module](c.mods)
	c.comp, c.pools = comp.Keeper, pools.Keeper
	if err := c.genesis(p); err != nil {
		tree.Close()
		return nil, err
	}
	return c, nil
}

func (c *chain) genesis(p computing.Params) error {
	c.sim = tee.Options{Dir: c.dir, SimVersion: enclave.Version}
	m := tee.SimMeasurement(c.sim.SimVersion)
	a := crypto.ModuleAddress
	bg, err := bank.SeedGenesis(bank.Allocation{PrivateSale: a("simulated-sale"), Developers: a("simulated-developers"),
		Airdrop: a("simulated-airdrop"), Testers: a("simulated-testers")}, nil)
	if err != nil {
		return err
	}
	rg := registry.DefaultGenesis(a("simulated-council"))
	rg.Params.AllowSim = true
	rg.Params.Measurements = []registry.Measurement{{Platform: tee.Sim, Value: m}}
	st, err := app.NewAppState(auth.DefaultGenesis(), bg, rg, computing.Genesis{Params: p})
	if err != nil {
		return err
	}
	return c.mods.InitGenesis(c.context(crypto.Address{}, nil), st, module.ChainGenesis{})
}

func (c *chain) context(sender crypto.Address, meter *module.GasMeter) *module.Context {
	return module.NewContext(c.kv, module.Block{ChainID: chainID, Height: c.height, Time: c.now}, sender, meter, nil)
}

// run executes one message from sender, as a transaction would.
func (c *chain) run(sender crypto.PrivateKey, msg module.Msg) error {
	cache := store.NewCache(c.kv)
	mctx := module.NewContext(cache, module.Block{ChainID: chainID, Height: c.height, Time: c.now},
		sender.Public().Address(), module.NewGasMeter(1<<40), nil)
	if err := c.mods.Router().Handle(mctx, msg); err != nil {
		return err
	}
	cache.Write(c.kv)
	return nil
}

// mint credits an account out of thin air, supply included: the
// operators' funds, which the seed's allocation does not know.
func (c *chain) mint(a crypto.Address, amt pha.Amount) {
	bal, _ := c.bank.Balance(c.kv, a).Add(amt)
	sup, _ := c.bank.Supply(c.kv).Add(amt)
	c.kv.Set(bank.BalanceKey(a), codec.MustMarshal(bal))
	c.kv.Set(bank.SupplyKey(), codec.MustMarshal(sup))
}

// addWorker registers worker i, a sim enclave with its own operator and
// pool and the given score, stakes it with the minimum and starts it.
func (c *chain) addWorker(ctx context.Context, i int, score uint64) (crypto.PublicKey, error) {
	wdir := fmt.Sprintf("%s/w%d", c.dir, i)
	if err := os.MkdirAll(wdir, 0o700); err != nil {
		return crypto.PublicKey{}, err
	}
	en, _, err := enclave.Open(tee.Sim, c.sim, wdir)
	if err != nil {
		return crypto.PublicKey{}, err
	}
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("operator"), uint64(i)))
	op, err := crypto.PrivateKeyFromSeed(seed[:])
	if err != nil {
		return crypto.PublicKey{}, err
	}
	c.mint(op.Public().Address(), pha.Tokens(10_000))
	r, err := en.Registration(ctx, registry.RoleWorker, chainID, op.Public().Address(), c.now)
	if err != nil {
		return crypto.PublicKey{}, err
	}
	if err := c.run(op, &registry.MsgRegisterWorker{Registration: r}); err != nil {
		return crypto.PublicKey{}, fmt.Errorf("register: %w", err)
	}
	id := en.Identity()
	if err := c.comp.Benchmark(c.context(crypto.Address{}, nil), id, computing.Benchmark{Iterations: score, SpanMillis: 6000}); err != nil {
		return crypto.PublicKey{}, err
	}
	need, err := computing.MinStake(c.comp.Params(c.kv), score)
	if err != nil {
		return crypto.PublicKey{}, err
	}
	stake := fixed.Int(need.Floor() + 1).PHA()
	for _, msg := range []module.Msg{
		&stakepool.MsgCreate{Commission: fixed.Frac(1, 10)},
		&stakepool.MsgAddWorker{Pool: uint64(i), Worker: id},
		&stakepool.MsgDelegate{Pool: uint64(i), Amount: stake},
		&stakepool.MsgStartWorker{Pool: uint64(i), Worker: id, Stake: stake},
	} {
		if err := c.run(op, msg); err != nil {
			return crypto.PublicKey{}, fmt.Errorf("start: %w", err)
		}
	}
	return id, nil
}

// block runs simulated block s, step after the last: the modules' end of
// block, then every challenged worker answers at once, at its score.
func (c *chain) block(step time.Duration, s int64, ids []crypto.PublicKey) error {
	c.now = c.now.Add(step)
	c.height++
	bctx := c.context(crypto.Address{}, nil)
	hash := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(s)))
	info := module.EndBlockInfo{Hash: hash[:], Votes: []module.Vote{{Account: gatekeeper, Power: 1}}}
	if err := c.mods.EndBlock(bctx, info); err != nil {
		return err
	}
	for _, id := range ids {
		w, _ := c.comp.Worker(c.kv, id)
		if w.Challenged != 0 {
			if err := c.comp.Heartbeat(bctx, id, computing.Heartbeat{Height: w.ChallengeHeight, Iterations: w.P, SpanMillis: 6000}); err != nil {
				return err
			}
		}
	}
	return nil
}

// result fills in where the rewards went and how far the total is from
// the schedule.
func (c *chain) result(res *Result, p computing.Params, start int64, workers int) error {
	res.Total = c.comp.Totals(c.kv).Paid
	sched, err := computing.Budget(p, start, start, c.now.UnixNano())
	if err != nil {
		return err
	}
	res.Schedule = sched.PHA()
	for i := range workers {
		pl, _ := c.pools.Pool(c.kv, uint64(i))
		res.ToWorkers, _ = res.ToWorkers.Add(pl.Rewarded)
	}
	res.ToGatekeepers, _ = c.bank.Balance(c.kv, gatekeeper).Add(c.bank.ModuleBalance(c.kv, computing.Gatekeepers))
	res.ToTreasury = c.bank.ModuleBalance(c.kv, computing.Treasury)
	res.PoolLeft = c.bank.ModuleBalance(c.kv, bank.RewardPool)
	if sched.IsZero() {
		return nil
	}
	t := fixed.FromPHA(res.Total)
	diff := t.SubFloor(sched)
	if diff.IsZero() {
		diff = sched.SubFloor(t)
	}
	dev, err := diff.Div(sched)
	if err != nil {
		return err
	}
	pct, _ := dev.Mul(fixed.Int(100))
	res.Deviation = pct.String() + " %"
	return nil
}
