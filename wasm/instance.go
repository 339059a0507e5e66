package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/phalanx-net/phalanx/wasm/internal/gas"
)

// Initializing a Go contract (its runtime and package init) takes
// milliseconds, and a call on an initialized instance microseconds. So
// each Code initializes once, records the instance's whole state (linear
// memory and mutable globals, which the instrumentation exports; tables
// cannot change, as the instrumentation refuses the instructions that
// would change them) and restores it before every call. A call thus sees
// exactly the state a fresh instance would after initialization, on every
// worker, whatever ran before: reuse changes speed, never results.

// snapshot is an instance's state after initialization.
type snapshot struct {
	memory  []byte
	globals []uint64
}

// instance is one instantiated contract, ready for a call.
type instance struct {
	mod     api.Module
	call    api.Function
	meter   meter
	globals []api.MutableGlobal
	env     *instanceEnv
}

// instanceEnv is what the instance's WASI clock, random source and stderr
// read, switched for each call.
type instanceEnv struct {
	mu     sync.Mutex
	now    time.Time
	rand   io.Reader
	stderr stderrBuffer
}

func (v *instanceEnv) reset(now time.Time, rand io.Reader) {
	v.mu.Lock()
	v.now, v.rand = now, rand
	v.mu.Unlock()
	v.stderr.Reset()
}

func (v *instanceEnv) Read(p []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return io.ReadFull(v.rand, p)
}

func (v *instanceEnv) walltime() (int64, int32) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now.Unix(), int32(v.now.Nanosecond())
}

func (v *instanceEnv) nanotime() int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now.UnixNano()
}

// initTime is the clock a contract sees while it initializes: fixed, so
// that every worker's snapshot is the same, not zero (Go's runtime
// refuses a zero clock), and before any block, so that the clock a call
// sees never goes back.
var initTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// instantiate makes an instance of code without running anything in it.
func (e *Engine) instantiate(ctx context.Context, code *Code) (*instance, error) {
	env := &instanceEnv{now: initTime, rand: seededRand(code.Hash, "init")}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithStderr(&env.stderr).
		// The only clock is the block's, and randomness comes from the
		// host's seed: a contract cannot tell two workers apart.
		WithWalltime(env.walltime, sys.ClockResolution(1)).
		WithNanotime(env.nanotime, sys.ClockResolution(1)).
		WithRandSource(env)
	mod, err := e.rt.InstantiateModule(ctx, code.compiled, cfg)
	if err != nil {
		return nil, e.classify(ctx, err, &env.stderr, nil)
	}
	inst := &instance{mod: mod, call: mod.ExportedFunction(CallExport), meter: newMeter(mod), env: env}
	for i := 0; ; i++ {
		g, ok := mod.ExportedGlobal(gas.GlobalPrefix + strconv.Itoa(i)).(api.MutableGlobal)
		if !ok {
			break
		}
		inst.globals = append(inst.globals, g)
	}
	if inst.meter.left == nil && !e.cfg.Unmetered {
		mod.Close(ctx)
		return nil, fmt.Errorf("%w: the module was not prepared for gas metering", ErrInvalidModule)
	}
	return inst, nil
}

// acquire returns an instance of code in its initialized state: an idle
// one, or a new one restored from the snapshot, which the first call
// makes by running the contract's initialization.
func (e *Engine) acquire(ctx context.Context, code *Code) (*instance, error) {
	select {
	case inst := <-code.idle:
		return inst, nil
	default:
	}
	code.mu.Lock()
	snap, initErr := code.snap, code.initErr
	if snap == nil && initErr == nil {
		inst, err := e.initialize(ctx, code)
		code.mu.Unlock()
		return inst, err
	}
	code.mu.Unlock()
	if initErr != nil {
		return nil, initErr
	}
	inst, err := e.instantiate(ctx, code)
	if err != nil {
		return nil, err
	}
	if err := inst.restore(snap, true); err != nil {
		inst.mod.Close(ctx)
		return nil, err
	}
	return inst, nil
}

// Initialize runs the contract's initialization, unless a call or an
// earlier Initialize did: a worker runs it when the contract is
// instantiated, so that a contract whose initialization fails is known
// as failed before anyone calls it. Its failure is an *InitError, the
// same on every worker and every time.
func (e *Engine) Initialize(ctx context.Context, code *Code) error {
	inst, err := e.acquire(ctx, code)
	if err != nil {
		return err
	}
	e.release(ctx, code, inst)
	return nil
}

// initialize runs the contract's initialization on a new instance, with
// a fixed budget, and keeps the snapshot. Called with code.mu held.
func (e *Engine) initialize(ctx context.Context, code *Code) (*instance, error) {
	inst, err := e.instantiate(ctx, code)
	if err == nil {
		err = e.runInit(ctx, code, inst)
	}
	if err != nil {
		if ctx.Err() == nil {
			// The same failure awaits every call, on every worker.
			code.initErr = &InitError{Err: err}
			return nil, code.initErr
		}
		return nil, err
	}
	mem := memoryOf(inst.mod)
	snap := &snapshot{}
	if mem != nil {
		view, _ := mem.Read(0, mem.Size())
		snap.memory = bytes.Clone(view)
	}
	for _, g := range inst.globals {
		snap.globals = append(snap.globals, g.Get())
	}
	code.snap = snap
	return inst, nil
}

// runInit runs the module's _initialize export, if it has one, on the
// initialization's own gas budget; a failure closes the instance.
func (e *Engine) runInit(ctx context.Context, code *Code, inst *instance) error {
	init := inst.mod.ExportedFunction("_initialize")
	if init == nil {
		return nil
	}
	st := newCallState(initHost{hash: code.Hash}, "", nil, inst.meter)
	inst.meter.set(e.cfg.InitGas)
	_, err := init.Call(withCallState(ctx, st))
	if _, exhausted := inst.meter.used(e.cfg.InitGas); exhausted {
		err = &OutOfGasError{Used: e.cfg.InitGas, Limit: e.cfg.InitGas}
	} else if err != nil {
		err = e.classify(ctx, err, &inst.env.stderr, st)
	}
	if err != nil {
		inst.mod.Close(ctx)
	}
	return err
}

// restore puts the instance back in its initialized state; grow allows
// growing memory to the snapshot's size (a new instance). It fails if
// the memory is the wrong size, as after a call that grew it.
func (inst *instance) restore(snap *snapshot, grow bool) error {
	mem := memoryOf(inst.mod)
	if mem != nil {
		size := uint32(len(snap.memory))
		if grow && mem.Size() < size {
			if _, ok := mem.Grow((size - mem.Size()) / 65536); !ok {
				return fmt.Errorf("%w: cannot grow to the initialized size", ErrMemoryLimit)
			}
		}
		if mem.Size() != size {
			return errResized
		}
		view, _ := mem.Read(0, size)
		restorePages(view, snap.memory)
	}
	for i, g := range inst.globals {
		g.Set(snap.globals[i])
	}
	return nil
}

var errResized = errors.New("instance memory grew")

// restorePages copies snap over mem page by page, skipping the pages a
// call left unchanged: comparing only reads, and most of a Go contract's
// memory (its static data, the heap it did not touch) is unchanged.
func restorePages(mem, snap []byte) {
	const page = 4096
	for off := 0; off < len(snap); off += page {
		end := min(off+page, len(snap))
		if !bytes.Equal(mem[off:end], snap[off:end]) {
			copy(mem[off:end], snap[off:end])
		}
	}
}

// release restores a used instance and keeps it for the next call, or
// closes it when its memory grew or enough instances are idle.
func (e *Engine) release(ctx context.Context, code *Code, inst *instance) {
	code.mu.Lock()
	snap := code.snap
	code.mu.Unlock()
	if inst.restore(snap, false) != nil {
		inst.mod.Close(ctx)
		return
	}
	select {
	case code.idle <- inst:
	default:
		inst.mod.Close(ctx)
	}
}

// initHost is the host during initialization: no contract, caller or
// block yet, and no storage.
type initHost struct{ hash [32]byte }

func (initHost) Get([]byte) ([]byte, error) {
	return nil, errors.New("storage is not available while the contract initializes")
}
func (initHost) Caller() [20]byte     { return [20]byte{} }
func (initHost) ContractID() [32]byte { return [32]byte{} }
func (initHost) BlockHeight() int64   { return 0 }
func (initHost) BlockTime() time.Time { return initTime }
func (h initHost) Seed() [32]byte     { return h.hash }
