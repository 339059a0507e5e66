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
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/phalanx-net/phalanx/crypto/domain"
	"github.com/phalanx-net/phalanx/wasm/internal/gas"
)

// Defaults of Config.
const (
	DefaultMemoryLimitPages = 512     // 32 MiB per instance
	DefaultMaxModuleSize    = 8 << 20 // a Go contract is about 2 MB
	// DefaultInitGas pays for a contract's initialization: Go's runtime
	// and package init take about 1.3 million for a small contract.
	DefaultInitGas = 50_000_000
)

// MaxGasLimit bounds a call's gas so the signed counter never overflows.
const MaxGasLimit = 1 << 40

// Config configures an Engine.
type Config struct {
	// CacheDir keeps compiled code between runs; empty compiles in memory
	// only.
	CacheDir string
	// MemoryLimitPages caps each instance's memory (64 KiB pages).
	MemoryLimitPages uint32
	// MaxModuleSize refuses larger modules before decoding them.
	MaxModuleSize int
	// InitGas is the gas a contract's initialization (_initialize) may
	// use; a contract whose init needs more cannot be called.
	InitGas uint64
	// IdleInstances bounds the initialized instances kept per contract
	// code for reuse; zero means 4 × GOMAXPROCS (queries run concurrently).
	IdleInstances int
	// Unmetered skips gas instrumentation. Only benchmarks set it, to
	// measure what metering costs; a network always meters.
	Unmetered bool
}

func (c *Config) defaults() {
	if c.MemoryLimitPages == 0 {
		c.MemoryLimitPages = DefaultMemoryLimitPages
	}
	if c.MaxModuleSize == 0 {
		c.MaxModuleSize = DefaultMaxModuleSize
	}
	if c.InitGas == 0 {
		c.InitGas = DefaultInitGas
	}
	if c.IdleInstances == 0 {
		c.IdleInstances = 4 * runtime.GOMAXPROCS(0)
	}
}

// Engine compiles and runs contracts. It is safe for concurrent use.
type Engine struct {
	cfg       Config
	rt        wazero.Runtime
	validator wazero.Runtime // interpreter: validates uploads without compiling them
}

// NewEngine returns an engine with the WASI and phalanx host modules.
func NewEngine(ctx context.Context, cfg Config) (*Engine, error) {
	cfg.defaults()
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
	return &Engine{cfg: cfg, rt: rt, validator: newValidator(ctx, cfg.MemoryLimitPages)}, nil
}

func newValidator(ctx context.Context, memoryLimit uint32) wazero.Runtime {
	return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithMemoryLimitPages(memoryLimit))
}

// Close releases the engine's compiled code and instances.
func (e *Engine) Close(ctx context.Context) error {
	e.validator.Close(ctx)
	return e.rt.Close(ctx)
}

// allowedImports are the host modules a contract may import from.
var allowedImports = []string{wasi_snapshot_preview1.ModuleName, HostModule}

// Prepare checks an uploaded module with the network's default limits
// and instruments it for gas: what a chain stores when code is uploaded,
// and what Load runs. It is a pure function of the module.
func Prepare(ctx context.Context, module []byte) ([]byte, error) {
	cfg := Config{}
	cfg.defaults()
	rt := newValidator(ctx, cfg.MemoryLimitPages)
	defer rt.Close(ctx)
	return prepare(ctx, rt, cfg, module)
}

// Prepare is the package's Prepare with the engine's limits (unmetered
// for an unmetered engine).
func (e *Engine) Prepare(ctx context.Context, module []byte) ([]byte, error) {
	return prepare(ctx, e.validator, e.cfg, module)
}

func prepare(ctx context.Context, validator wazero.Runtime, cfg Config, module []byte) ([]byte, error) {
	if len(module) > cfg.MaxModuleSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrModuleTooLarge, len(module), cfg.MaxModuleSize)
	}
	// wazero's decoder validates the module before the instrumentation
	// decodes it (which trusts counts); both would allocate what a
	// section's count claims, so counts are checked against sizes first.
	if err := gas.CheckSections(module); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
	}
	cm, err := validator.CompileModule(ctx, module)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
	}
	err = checkInterface(cm)
	cm.Close(ctx)
	if err != nil {
		return nil, err
	}
	var out []byte
	if cfg.Unmetered {
		out, err = gas.ExportGlobals(module)
	} else {
		out, err = gas.Instrument(module, gas.DefaultCosts())
	}
	if errors.Is(err, gas.ErrUnsupported) {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedCode, err)
	} else if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
	}
	return out, nil
}

// checkInterface refuses a module that imports what the host does not
// offer or does not export the call entry point.
func checkInterface(cm wazero.CompiledModule) error {
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if !slices.Contains(allowedImports, mod) || (mod == HostModule && !isHostFunction(name)) {
			return fmt.Errorf("%w: %s.%s", ErrUnknownImport, mod, name)
		}
	}
	if _, ok := cm.ExportedFunctions()[CallExport]; !ok {
		return fmt.Errorf("%w: %q", ErrNoSuchMethod, CallExport)
	}
	return nil
}

// Code is a loaded contract: its compiled code and the instances kept
// ready to run it.
type Code struct {
	// Hash is the SHA-256 of the module as uploaded.
	Hash     [32]byte
	compiled wazero.CompiledModule

	mu      sync.Mutex
	snap    *snapshot // state after initialization; nil until the first call
	initErr error     // a deterministic initialization failure
	idle    chan *instance
}

// Compile prepares a module and loads it: Load(SHA-256(module),
// Prepare(module)).
func (e *Engine) Compile(ctx context.Context, module []byte) (*Code, error) {
	prepared, err := e.Prepare(ctx, module)
	if err != nil {
		return nil, err
	}
	return e.Load(ctx, sha256.Sum256(module), prepared)
}

// Load compiles a prepared module (the output of Prepare, as stored at
// upload); hash names the module as uploaded. Compiled code comes from
// the engine's cache when it holds it.
func (e *Engine) Load(ctx context.Context, hash [32]byte, prepared []byte) (*Code, error) {
	cm, err := e.rt.CompileModule(ctx, prepared)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
	}
	if err := checkInterface(cm); err != nil {
		cm.Close(ctx)
		return nil, err
	}
	return &Code{Hash: hash, compiled: cm, idle: make(chan *instance, e.cfg.IdleInstances)}, nil
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

// Call runs method with input on code, with gasLimit gas. Every call
// starts from the same state, the instance as it was right after the
// contract initialized, whatever ran on it before. A contract error
// (ErrContract), running out of gas (ErrOutOfGas) or any other failure
// discards the call's writes.
func (e *Engine) Call(ctx context.Context, code *Code, host Host, method string, input []byte, gasLimit uint64) (Result, error) {
	if gasLimit > MaxGasLimit {
		return Result{}, fmt.Errorf("%w: %d is above %d", ErrGasLimit, gasLimit, MaxGasLimit)
	}
	inst, err := e.acquire(ctx, code)
	if err != nil {
		return Result{}, err
	}
	st := newCallState(host, method, input, inst.meter)
	inst.env.reset(host.BlockTime(), seededRand(host.Seed(), "wasi"))
	inst.meter.set(gasLimit)
	res, err := inst.call.Call(withCallState(ctx, st))
	used, exhausted := inst.meter.used(gasLimit)
	switch {
	case exhausted:
		// Whatever else happened, a counter below zero is out of gas: the
		// same on every worker, wherever the overshoot stopped.
		err, used = &OutOfGasError{Used: gasLimit, Limit: gasLimit}, gasLimit
	case err != nil:
		err = e.classify(ctx, err, &inst.env.stderr, st)
	case st.hostErr != nil:
		err = st.hostErr
	case len(res) != 1:
		err = &TrapError{Detail: fmt.Sprintf("%s returned %d values", CallExport, len(res))}
	case uint32(res[0]) != 0:
		e.release(ctx, code, inst)
		return Result{GasUsed: used}, fmt.Errorf("%w: %s", ErrContract, st.errMsg)
	default:
		e.release(ctx, code, inst)
		return Result{GasUsed: used, Output: st.output.Bytes(), Writes: st.sortedWrites()}, nil
	}
	// A call that failed may have left its instance closed or mid-way
	// through the Go runtime: it is not reused.
	inst.mod.Close(ctx)
	return Result{GasUsed: used}, err
}

// meter reads and writes an instance's gas counter; without metering
// (benchmarks) it does nothing and reports no gas used.
type meter struct{ left api.MutableGlobal }

func newMeter(m api.Module) meter {
	l, _ := m.ExportedGlobal(gas.GlobalGasLeft).(api.MutableGlobal)
	return meter{left: l}
}

func (m meter) set(limit uint64) {
	if m.left != nil {
		m.left.Set(limit)
	}
}

// used reports the gas used of limit, and whether the counter went below
// zero.
func (m meter) used(limit uint64) (uint64, bool) {
	if m.left == nil {
		return 0, false
	}
	left := int64(m.left.Get())
	if left < 0 {
		return limit, true
	}
	return limit - uint64(left), false
}

// charge takes n gas for host work, and reports whether the counter is
// still at or above zero: host work is done only if so.
func (m meter) charge(n uint64) bool {
	if m.left == nil {
		return true
	}
	left := int64(m.left.Get()) - int64(n)
	m.left.Set(uint64(left))
	return left >= 0
}

// classify turns a failed call into one of the package's errors. What a
// contract wrote to stderr (Go's runtime reports panics and fatal errors
// there, then traps) tells a panic from the memory limit from another
// trap; only its first lines are kept, never wazero's stack trace, so the
// error is the same on every worker.
func (e *Engine) classify(ctx context.Context, err error, stderr *stderrBuffer, st *callState) error {
	if st != nil && st.hostErr != nil {
		return st.hostErr
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %v", ErrDeadline, ctx.Err())
	}
	report := stderr.report.String()
	switch {
	case strings.HasPrefix(report, "panic: "):
		return &PanicError{Message: panicMessage(report)}
	// Go's runtime reports a failed allocation, then aborts.
	case strings.HasPrefix(report, "fatal error: out of memory"), strings.HasPrefix(report, "runtime: out of memory"):
		return &LimitError{Err: ErrMemoryLimit, Limit: uint64(e.cfg.MemoryLimitPages) * 65536}
	case report != "":
		return &TrapError{Detail: CutMessage(firstLine(report), MaxMessage)}
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return &TrapError{Detail: fmt.Sprintf("exit code %d", exit.ExitCode())}
	}
	// The first line names the trap; wazero's stack trace follows it.
	return &TrapError{Detail: CutMessage(firstLine(err.Error()), MaxMessage)}
}

// panicMessage is the message of the panic Go's runtime reported: from
// "panic: " to the blank line before the goroutine dump (or the signal
// line of a nil dereference). The runtime indents the further lines of a
// message, and the panics a deferred call raised, with a tab; they are
// kept, without it.
func panicMessage(report string) string {
	msg := strings.TrimPrefix(report, "panic: ")
	for _, end := range []string{"\n\n", "\n[signal ", "\ngoroutine "} {
		if i := strings.Index(msg, end); i >= 0 {
			msg = msg[:i]
		}
	}
	msg = strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n\t", "\n")
	return CutMessage(msg, MaxMessage)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// stderrBuffer keeps, bounded, the report of Go's runtime in what a
// contract writes to stderr, however much the contract printed before it.
// The runtime starts a report with a write of its own: "panic: " or
// "fatal error: ", after which it only dumps (a tab before "panic: " is a
// panic raised while the first unwound), or a "runtime: ..." line, which
// may come before a fatal error.
type stderrBuffer struct {
	report   limitedBuffer
	state    reportState
	afterTab bool
}

type reportState uint8

const (
	noReport reportState = iota
	runtimeLine
	fatalReport
)

func (b *stderrBuffer) Write(p []byte) (int, error) {
	w := string(p)
	switch {
	case b.state == fatalReport:
	case !b.afterTab && (w == "panic: " || w == "fatal error: "):
		b.report.Reset()
		b.state = fatalReport
	case strings.HasPrefix(w, "runtime: "):
		b.report.Reset()
		b.state = runtimeLine
	}
	if b.state != noReport {
		b.report.Write(p)
	}
	b.afterTab = w == "\t"
	return len(p), nil
}

func (b *stderrBuffer) Reset() { *b = stderrBuffer{} }

// limitedBuffer keeps the first 4 KiB written to it: enough to classify
// a failure, too little to exhaust the worker.
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
	key, err := hkdf.Key(sha256.New, seed[:], nil, domain.WasmRand+purpose, 32)
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
