package wasm

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/phalanx-net/phalanx/wasm/internal/gas"
)

// Defaults of Config.
const (
	DefaultMemoryLimitPages = 512     // 32 MiB per instance
	DefaultMaxModuleSize    = 8 << 20 // a Go contract is about 2 MB
)

// Config configures an Engine.
type Config struct {
	// CacheDir keeps compiled code between runs; empty compiles in memory
	// only.
	CacheDir string
	// MemoryLimitPages caps each instance's memory (64 KiB pages).
	MemoryLimitPages uint32
	// MaxModuleSize refuses larger modules before decoding them.
	MaxModuleSize int
	// Costs prices instructions; zero means gas.DefaultCosts.
	Costs gas.Costs
	// Unmetered skips gas instrumentation. Only benchmarks set it, to
	// measure what metering costs; a network always meters.
	Unmetered bool
}

// Engine compiles and runs contracts. It is safe for concurrent use.
type Engine struct {
	cfg Config
	rt  wazero.Runtime
}

// NewEngine returns an engine with the WASI and phalanx host modules.
func NewEngine(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.MemoryLimitPages == 0 {
		cfg.MemoryLimitPages = DefaultMemoryLimitPages
	}
	if cfg.MaxModuleSize == 0 {
		cfg.MaxModuleSize = DefaultMaxModuleSize
	}
	if cfg.Costs == (gas.Costs{}) {
		cfg.Costs = gas.DefaultCosts()
	}
	rc := wazero.NewRuntimeConfig().WithMemoryLimitPages(cfg.MemoryLimitPages).WithCloseOnContextDone(true)
	if cfg.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("compilation cache in %s: %w", cfg.CacheDir, err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("wasi: %w", err)
	}
	if err := instantiateHost(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	return &Engine{cfg: cfg, rt: rt}, nil
}

// Close releases the engine's compiled code and instances.
func (e *Engine) Close(ctx context.Context) error { return e.rt.Close(ctx) }

// Code is a compiled contract.
type Code struct {
	// Hash is the SHA-256 of the module as uploaded.
	Hash     [32]byte
	compiled wazero.CompiledModule
}

// allowedImports are the host modules a contract may import from.
var allowedImports = []string{wasi_snapshot_preview1.ModuleName, HostModule}

// Compile checks a contract module, instruments it for gas and compiles
// it.
func (e *Engine) Compile(ctx context.Context, module []byte) (*Code, error) {
	if len(module) > e.cfg.MaxModuleSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrModuleTooLarge, len(module), e.cfg.MaxModuleSize)
	}
	hash := sha256.Sum256(module)
	if !e.cfg.Unmetered {
		// wazero's decoder, hardened against hostile input, validates the
		// module before the instrumentation decodes it: a module claiming
		// billions of entries must not make the worker allocate them.
		cm, err := e.rt.CompileModule(ctx, module)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
		}
		cm.Close(ctx)
		metered, err := gas.Instrument(module, e.cfg.Costs)
		if errors.Is(err, gas.ErrUnsupported) {
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedCode, err)
		} else if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
		}
		module = metered
	}
	cm, err := e.rt.CompileModule(ctx, module)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
	}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if !slices.Contains(allowedImports, mod) || (mod == HostModule && !hostFunctions[name]) {
			cm.Close(ctx)
			return nil, fmt.Errorf("%w: %s.%s", ErrUnknownImport, mod, name)
		}
	}
	if _, ok := cm.ExportedFunctions()[CallExport]; !ok {
		cm.Close(ctx)
		return nil, fmt.Errorf("%w: %q", ErrNoSuchMethod, CallExport)
	}
	return &Code{Hash: hash, compiled: cm}, nil
}

// Write is one storage change a call made.
type Write struct {
	Key    []byte
	Value  []byte // nil with Delete
	Delete bool
}

// Result is what a call produced.
type Result struct {
	// GasUsed is reported for every call, failed ones included; a call
	// out of gas used its whole limit.
	GasUsed uint64
	// Output is what the contract emitted.
	Output []byte
	// Writes are the storage changes, sorted by key, for the caller to
	// apply; a failed call has none.
	Writes []Write
}

// Call runs method with input on a fresh instance of code, with gasLimit
// gas. A contract error (ErrContract), running out of gas (ErrOutOfGas) or
// any other failure discards the call's writes.
func (e *Engine) Call(ctx context.Context, code *Code, host Host, method string, input []byte, gasLimit uint64) (Result, error) {
	if gasLimit > MaxGasLimit {
		return Result{}, fmt.Errorf("%w: gas limit %d above %d", ErrBadPointer, gasLimit, MaxGasLimit)
	}
	st := &callState{host: host, method: []byte(method), input: input, writes: map[string]*Write{}}
	seed := host.Seed()
	block := host.BlockTime()
	var stderr limitedBuffer
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithStderr(&stderr).
		// The only clock is the block's, and randomness comes from the
		// host's seed: a contract cannot tell two workers apart.
		WithWalltime(func() (int64, int32) { return block.Unix(), int32(block.Nanosecond()) }, sys.ClockResolution(1)).
		WithNanotime(func() int64 { return block.UnixNano() }, sys.ClockResolution(1)).
		WithRandSource(seededRand(seed, "wasi"))
	callCtx := withCallState(ctx, st)
	mod, err := e.rt.InstantiateModule(callCtx, code.compiled, cfg)
	if err != nil {
		return Result{}, classify(ctx, err, &stderr, st)
	}
	defer mod.Close(ctx)
	meter := newMeter(mod)
	meter.set(gasLimit)
	st.meter = meter
	res, err := mod.ExportedFunction(CallExport).Call(callCtx)
	used := meter.used(gasLimit)
	if meter.exhausted() {
		return Result{GasUsed: gasLimit}, fmt.Errorf("%w: limit %d", ErrOutOfGas, gasLimit)
	}
	if err != nil {
		return Result{GasUsed: used}, classify(ctx, err, &stderr, st)
	}
	if st.hostErr != nil {
		return Result{GasUsed: used}, st.hostErr
	}
	if len(res) != 1 || uint32(res[0]) != 0 {
		return Result{GasUsed: used}, fmt.Errorf("%w: %s", ErrContract, st.errMsg)
	}
	return Result{GasUsed: used, Output: st.output.Bytes(), Writes: st.sortedWrites()}, nil
}

// MaxGasLimit bounds a call's gas so the counter never overflows.
const MaxGasLimit = gas.InitialGas

// meter reads and writes an instance's gas globals; without metering
// (benchmarks) it does nothing and reports no gas used.
type meter struct {
	left api.MutableGlobal
	flag api.MutableGlobal
}

func newMeter(m api.Module) meter {
	l, _ := m.ExportedGlobal(gas.GlobalGasLeft).(api.MutableGlobal)
	f, _ := m.ExportedGlobal(gas.GlobalOutOfGas).(api.MutableGlobal)
	return meter{left: l, flag: f}
}

func (m meter) set(limit uint64) {
	if m.left != nil {
		m.left.Set(limit)
	}
}

func (m meter) used(limit uint64) uint64 {
	if m.left == nil {
		return 0
	}
	return limit - m.left.Get()
}

func (m meter) exhausted() bool { return m.flag != nil && m.flag.Get() != 0 }

// charge takes n gas for host work, or marks the instance out of gas.
func (m meter) charge(n uint64) bool {
	if m.left == nil {
		return true
	}
	left := m.left.Get()
	if left < n {
		m.flag.Set(1)
		return false
	}
	m.left.Set(left - n)
	return true
}

// classify turns a failed call into one of the package's errors.
func classify(ctx context.Context, err error, stderr *limitedBuffer, st *callState) error {
	if st.hostErr != nil {
		return st.hostErr
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %v", ErrDeadline, ctx.Err())
	}
	msg := stderr.String()
	// Go's runtime reports a failed allocation on stderr, then aborts.
	if strings.Contains(msg, "out of memory") {
		return fmt.Errorf("%w: %s", ErrMemoryLimit, firstLine(msg))
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%w: exit code %d: %s", ErrTrap, exit.ExitCode(), firstLine(msg))
	}
	// The first line names the trap; wazero's stack trace follows it.
	return fmt.Errorf("%w: %s: %s", ErrTrap, firstLine(err.Error()), firstLine(msg))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// limitedBuffer keeps the first 4 KiB a contract writes to stderr: enough
// to classify a failure, too little to exhaust the worker.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// seededRand derives a deterministic byte stream for one purpose from
// the host's seed.
func seededRand(seed [32]byte, purpose string) io.Reader {
	key, err := hkdf.Key(sha256.New, seed[:], nil, "phalanx/wasm: "+purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot produce
	}
	return rand.NewChaCha8([32]byte(key))
}

// Host is what a contract call may read: the worker implements it over
// its sealed contract state and the block being executed.
type Host interface {
	// Get returns a stored value; nil, nil means absent.
	Get(key []byte) ([]byte, error)
	Caller() [20]byte
	ContractID() [32]byte
	BlockHeight() int64
	BlockTime() time.Time
	// Seed is the call's randomness seed (from the block and the
	// contract's key): every worker derives the same bytes from it.
	Seed() [32]byte
}
