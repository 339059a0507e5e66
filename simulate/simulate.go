// Package simulate runs the chain's computing economics (the computing
// and stake pool modules' own code, over a real state store) with a
// synthetic population of workers for days of block time, without
// consensus, enclaves or signatures: what `phalanx simulate rewards`
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

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	computingkeeper "github.com/phalanx-net/phalanx/chain/modules/computing/keeper"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
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
	tree, err := statedb.Open(dir, statedb.DefaultOptions())
	if err != nil {
		return nil, err
	}
	defer tree.Close()
	// The working state takes every write; a version is committed each
	// simulated day, so the working set stays small.
	var kv store.KV = tree
	q := mqkeeper.NewKeeper(registrykeeper.Records{})
	reg := registrykeeper.NewKeeper(q)
	comp := computingkeeper.NewKeeper(q, registrykeeper.Records{})
	pools := stakepoolkeeper.NewKeeper(comp)
	router := module.NewRouter()
	reg.RegisterMsgs(router)
	comp.RegisterMsgs(router)
	pools.RegisterMsgs(router)
	sim, err := tee.Open(tee.Sim, tee.Options{Dir: dir, SimVersion: enclave.Version})
	if err != nil {
		return nil, err
	}
	m, err := sim.Measurement(ctx)
	if err != nil {
		return nil, err
	}
	g := registry.DefaultGenesis(crypto.ModuleAddress("simulated-council"))
	g.Params.AllowSim = true
	g.Params.Measurements = []registry.Measurement{{Platform: tee.Sim, Value: m}}
	const chainID = "phalanx-simulation"
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	height := int64(1)
	block := func() module.Block { return module.Block{ChainID: chainID, Height: height, Time: now} }
	genesis := module.NewContext(kv, block(), crypto.Address{}, nil, nil)
	if err := reg.InitGenesis(genesis, g); err != nil {
		return nil, err
	}
	if err := comp.InitGenesis(genesis, computing.Genesis{Params: p}); err != nil {
		return nil, err
	}
	var bk bankkeeper.Keeper
	fund := func(a crypto.Address, amt pha.Amount) {
		bal, _ := bk.Balance(kv, a).Add(amt)
		sup, _ := bk.Supply(kv).Add(amt)
		kv.Set(bank.BalanceKey(a), codec.MustMarshal(bal))
		kv.Set(bank.SupplyKey(), codec.MustMarshal(sup))
	}
	fund(crypto.ModuleAddress(bank.RewardPool), pha.Tokens(700_000_000))
	run := func(sender crypto.PrivateKey, msg module.Msg) error {
		c := store.NewCache(kv)
		mctx := module.NewContext(c, block(), sender.Public().Address(), module.NewGasMeter(1<<40), nil)
		if err := router.Handle(mctx, msg); err != nil {
			return err
		}
		c.Write(kv)
		return nil
	}
	// The population: each worker its own operator and pool, a score
	// between 500 and 3,000, and the minimum stake.
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	ids := make([]crypto.PublicKey, cfg.Workers)
	for i := range cfg.Workers {
		wdir := fmt.Sprintf("%s/w%d", dir, i)
		if err := os.MkdirAll(wdir, 0o700); err != nil {
			return nil, err
		}
		en, _, err := enclave.Open(sim, wdir)
		if err != nil {
			return nil, err
		}
		seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("operator"), uint64(i)))
		op, err := crypto.PrivateKeyFromSeed(seed[:])
		if err != nil {
			return nil, err
		}
		fund(op.Public().Address(), pha.Tokens(10_000))
		r, err := en.Registration(ctx, registry.RoleWorker, chainID, op.Public().Address(), now)
		if err != nil {
			return nil, err
		}
		if err := run(op, &registry.MsgRegisterWorker{Registration: r}); err != nil {
			return nil, fmt.Errorf("register worker %d: %w", i, err)
		}
		ids[i] = en.Identity()
		score := 500 + rng.Uint64N(2501)
		if err := comp.Benchmark(module.NewContext(kv, block(), crypto.Address{}, nil, nil), ids[i], computing.Benchmark{Iterations: score, SpanMillis: 6000}); err != nil {
			return nil, err
		}
		need, err := computing.MinStake(p, score)
		if err != nil {
			return nil, err
		}
		stake := fixed.Int(need.Floor() + 1).PHA()
		for _, msg := range []module.Msg{
			&stakepool.MsgCreate{Commission: fixed.Frac(1, 10)},
			&stakepool.MsgAddWorker{Pool: uint64(i), Worker: ids[i]},
			&stakepool.MsgDelegate{Pool: uint64(i), Amount: stake},
			&stakepool.MsgStartWorker{Pool: uint64(i), Worker: ids[i], Stake: stake},
		} {
			if err := run(op, msg); err != nil {
				return nil, fmt.Errorf("start worker %d: %w", i, err)
			}
		}
	}
	gatekeeper := crypto.ModuleAddress("simulated-gatekeeper")
	votes := []computingkeeper.Vote{{Account: gatekeeper, Power: 1}}
	start := comp.Totals(kv).Start
	res := &Result{}
	day := int64(24 * time.Hour)
	steps := int64(cfg.Days) * day / int64(cfg.Step)
	var lastPaid pha.Amount
	for s := int64(1); s <= steps; s++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		now = now.Add(cfg.Step)
		height++
		bctx := module.NewContext(kv, block(), crypto.Address{}, nil, nil)
		hash := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(s)))
		if err := comp.EndBlock(bctx, hash[:], votes); err != nil {
			return nil, err
		}
		if err := pools.EndBlock(bctx); err != nil {
			return nil, err
		}
		// Every challenged worker answers at once, at its score.
		for _, id := range ids {
			w, _ := comp.Worker(kv, id)
			if w.Challenged != 0 {
				if err := comp.Heartbeat(bctx, id, computing.Heartbeat{Height: w.ChallengeHeight, Iterations: w.P, SpanMillis: 6000}); err != nil {
					return nil, err
				}
			}
		}
		if elapsed := now.UnixNano() - start; elapsed%day == 0 {
			d := int(elapsed / day)
			paid := comp.Totals(kv).Paid
			emitted, _ := paid.Sub(lastPaid)
			lastPaid = paid
			sched, err := computing.Budget(p, start, start, now.UnixNano())
			if err != nil {
				return nil, err
			}
			res.Days = append(res.Days, Day{Day: d, Emitted: emitted, Cumulative: paid, Schedule: sched.PHA()})
			if _, _, err := tree.Commit(); err != nil {
				return nil, err
			}
			if cfg.Progress != nil {
				cfg.Progress(d, cfg.Days)
			}
		}
	}
	res.Total = comp.Totals(kv).Paid
	sched, err := computing.Budget(p, start, start, now.UnixNano())
	if err != nil {
		return nil, err
	}
	res.Schedule = sched.PHA()
	for i := range ids {
		pl, _ := pools.Pool(kv, uint64(i))
		res.ToWorkers, _ = res.ToWorkers.Add(pl.Rewarded)
	}
	res.ToGatekeepers, _ = bk.Balance(kv, gatekeeper).Add(bk.ModuleBalance(kv, computing.Gatekeepers))
	res.ToTreasury = bk.ModuleBalance(kv, computing.Treasury)
	res.PoolLeft = bk.ModuleBalance(kv, bank.RewardPool)
	if !sched.IsZero() {
		t := fixed.FromPHA(res.Total)
		diff := t.SubFloor(sched)
		if diff.IsZero() {
			diff = sched.SubFloor(t)
		}
		dev, err := diff.Div(sched)
		if err != nil {
			return nil, err
		}
		pct, _ := dev.Mul(fixed.Int(100))
		res.Deviation = pct.String() + " %"
	}
	return res, bk.CheckSupply(kv)
}
