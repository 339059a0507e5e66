package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

// Config is a fault run.
type Config struct {
	// Binary is the phalanx binary the nodes run.
	Binary string
	// Dir holds the nodes' homes and, at the end, their logs
	// (<node>.log).
	Dir      string
	Manifest Manifest
	// Log, if set, receives a line per step.
	Log io.Writer
}

// Report is what a run saw.
type Report struct {
	Steps []Step `json:"steps"`
	// Phases are the figures per shape of the network, by how many
	// gatekeepers were down while the load ran.
	Phases []Phase `json:"phases"`
	// Sent counts transfers signed; Acknowledged those a node showed in a
	// block. Only a run's last transfers may be unacknowledged.
	Sent         int `json:"sent"`
	Acknowledged int `json:"acknowledged"`
	// Commands counts the deposit commands acknowledged, each found
	// executed once.
	Commands int   `json:"commands"`
	Height   int64 `json:"height"`
	// AppHash is what every gatekeeper reported at Height.
	AppHash string `json:"app_hash"`
	// IndexMisses counts, per gatekeeper, applied transfers that are in
	// its blocks but that its /tx lookup does not find (see checkChain).
	IndexMisses map[string]int `json:"index_misses,omitempty"`
}

// Step is one perturbation's outcome.
type Step struct {
	Step string `json:"step"`
	// Height is the chain's height when the step was taken.
	Height int64 `json:"height"`
	// Recovered is how long until the chain made Manifest.Progress more
	// blocks and, if the step started a node, that node reached the
	// chain's height; zero when the step left no quorum.
	Recovered time.Duration `json:"recovered"`
}

// Phase is the block rate and the commit latency of transfers sent while
// the network had one shape.
type Phase struct {
	Name      string        `json:"name"`
	Seconds   float64       `json:"seconds"`
	Blocks    int64         `json:"blocks"`
	BlockRate float64       `json:"blocks_per_second"`
	Transfers int           `json:"transfers"`
	P50       time.Duration `json:"p50"`
	P99       time.Duration `json:"p99"`
}

// window is a span of the run in one phase.
type window struct {
	phase      string
	from, to   time.Time
	fromH, toH int64
}

// Run starts the network, runs the manifest's steps under load, stops
// everything and checks the invariants. The error lists every violated
// invariant; the report holds what was measured either way.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	m := cfg.Manifest
	if err := m.Validate(); err != nil {
		return nil, err
	}
	l, err := newLoad(m.Senders)
	if err != nil {
		return nil, err
	}
	// The depositor funds the cluster and pays for the commands.
	depositor, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	n, err := newNetwork(cfg.Binary, cfg.Dir, m, append(l.senders(), depositor.Public().Address()))
	if err != nil {
		return nil, err
	}
	defer func() {
		n.stop()
		n.writeLogs()
	}()
	r := &run{cfg: cfg, m: m, n: n, l: l, report: &Report{}}
	if err := r.bringUp(ctx, depositor); err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	loadCtx, cancelLoad := context.WithCancel(ctx)
	defer cancelLoad()
	loadDone := make(chan struct{})
	go func() {
		l.run(loadCtx, stop, r.vault)
		close(loadDone)
	}()
	r.open = window{phase: "all up", from: time.Now(), fromH: n.height(ctx)}
	if err := r.perturb(ctx); err != nil {
		return nil, err
	}
	r.closeWindow(ctx)
	// Stop signing; let the transfers in flight land (every node is up
	// again, as Validate demands).
	close(stop)
	select {
	case <-loadDone:
	case <-time.After(m.ProgressTimeout.Duration):
		cancelLoad()
		<-loadDone
	}
	return r.report, r.check(ctx)
}

// run is one run of a manifest: the network, its load, and what the run
// found so far.
type run struct {
	cfg     Config
	m       Manifest
	n       *network
	l       *load
	vault   *vault // nil without commands
	report  *Report
	windows []window
	open    window // the phase under way
	errs    []error
}

func (r *run) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, format+"\n", args...)
	}
}

func (r *run) closeWindow(ctx context.Context) {
	r.open.to, r.open.toH = time.Now(), r.n.height(ctx)
	r.windows = append(r.windows, r.open)
}

// bringUp starts the gatekeepers, waits for their first blocks, starts
// the workers, waits for them all to register, and deploys the vault if
// the manifest sends commands.
func (r *run) bringUp(ctx context.Context, depositor crypto.PrivateKey) error {
	n := r.n
	for _, x := range n.members() {
		if x.kind == "gk" {
			if err := n.start(x); err != nil {
				return err
			}
		}
	}
	if err := n.waitFor(ctx, 2*time.Minute, "the first blocks on every gatekeeper", func() bool {
		for _, g := range n.gks {
			if h, err := nodeHeight(ctx, g); err != nil || h < 2 {
				return false
			}
		}
		return true
	}); err != nil {
		return err
	}
	for _, w := range n.wks {
		if err := n.start(w); err != nil {
			return err
		}
	}
	if err := n.waitFor(ctx, 2*time.Minute, "every worker registered", func() bool {
		ws, err := n.gks[0].cl.Workers(ctx)
		return err == nil && len(ws) == len(n.wks)
	}); err != nil {
		return err
	}
	params, err := n.gks[0].cl.Params(ctx)
	if err != nil {
		return err
	}
	r.l.gasPrice, r.l.nodes = params.MinGasPrice, n.live
	if r.m.Commands {
		if r.vault, err = n.deployVault(ctx, depositor, 2*time.Minute); err != nil {
			return err
		}
		r.logf("vault deployed on cluster %d of %d workers", r.vault.cluster, len(n.wks))
	}
	r.logf("network up: %d gatekeepers, %d workers at height %d", len(n.gks), len(n.wks), n.height(ctx))
	return nil
}

func wait(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// perturb applies the manifest's steps in turn, each after its wait, and
// waits for the chain to recover from each that leaves a quorum. A step
// that does not recover ends the steps (its error is kept for the report);
// only a failure to apply one, or the context's end, is returned.
func (r *run) perturb(ctx context.Context) error {
	if err := wait(ctx, r.m.Warmup.Duration); err != nil {
		return err
	}
	for i, p := range r.m.Perturbations {
		if err := wait(ctx, p.After.Duration); err != nil {
			return err
		}
		ok, err := r.step(ctx, i, p)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := wait(ctx, p.Hold.Duration); err != nil {
			return err
		}
	}
	return nil
}

// step applies step i, p; ok is false if the chain did not get to it or
// did not recover from it.
func (r *run) step(ctx context.Context, i int, p Perturbation) (ok bool, err error) {
	n := r.n
	if p.AfterBlocks > 0 {
		h := n.height(ctx)
		if err := n.waitFor(ctx, r.m.ProgressTimeout.Duration, fmt.Sprintf("%d blocks before step %d", p.AfterBlocks, i+1),
			func() bool { return n.height(ctx) >= h+p.AfterBlocks }); err != nil {
			r.errs = append(r.errs, err)
			return false, nil
		}
	}
	r.closeWindow(ctx)
	h := n.height(ctx)
	at := time.Now()
	if err := n.apply(p); err != nil {
		return false, fmt.Errorf("step %d (%s): %w", i+1, p, err)
	}
	phase := "all up"
	if d := n.gatekeepersDown(); d == 1 {
		phase = "1 gatekeeper down"
	} else if d > 1 {
		phase = fmt.Sprintf("%d gatekeepers down", d)
	}
	r.l.phase.Store(phase)
	r.open = window{phase: phase, from: time.Now(), fromH: n.height(ctx)}
	step := Step{Step: p.String(), Height: h}
	if n.quorum() {
		if err := n.recover(ctx, r.m, p, h); err != nil {
			r.errs = append(r.errs, fmt.Errorf("step %d (%s): %w", i+1, p, err))
			return false, nil
		}
		step.Recovered = time.Since(at)
	}
	r.report.Steps = append(r.report.Steps, step)
	r.logf("step %d: %s at height %d: recovered in %v (now %s)", i+1, p, h, step.Recovered.Round(time.Millisecond), phase)
	return true, nil
}

// check tallies what the load sent and, if the run went well so far,
// checks the chain and the vault against it.
func (r *run) check(ctx context.Context) error {
	errs := append(r.errs, r.l.errors())
	sent := r.l.transfers()
	rep := r.report
	rep.Sent = len(sent)
	for _, t := range sent {
		switch {
		case t.acked && t.command:
			rep.Commands++
		case t.acked:
			rep.Acknowledged++
		}
	}
	rep.Phases = phases(r.windows, sent)
	if errors.Join(errs...) == nil {
		h, appHash, misses, err := r.n.checkChain(ctx, r.m, r.l, sent)
		rep.Height, rep.AppHash, rep.IndexMisses = h, appHash, misses
		errs = append(errs, err)
		if r.vault != nil {
			errs = append(errs, r.n.checkVault(ctx, r.vault, sent, r.m.ProgressTimeout.Duration))
		}
	}
	r.logf("sent %d transfers and commands, %d transfers and %d commands acknowledged; final height %d", rep.Sent, rep.Acknowledged, rep.Commands, rep.Height)
	return errors.Join(errs...)
}

// recover waits until the chain made m.Progress blocks after step p (taken
// at height h) and a node it started again caught up with the others.
func (n *network) recover(ctx context.Context, m Manifest, p Perturbation, h int64) error {
	if err := n.waitFor(ctx, m.ProgressTimeout.Duration, fmt.Sprintf("%d new blocks", m.Progress),
		func() bool { return n.height(ctx) >= h+m.Progress }); err != nil {
		return err
	}
	x := n.member(p.Node)
	if !x.isUp() {
		return nil
	}
	target := n.height(ctx)
	what := fmt.Sprintf("%s to catch up to height %d", x.name, target)
	return n.waitFor(ctx, m.ProgressTimeout.Duration, what, func() bool {
		var got int64
		var err error
		if x.kind == "gk" {
			got, err = nodeHeight(ctx, x)
		} else {
			got, err = workerHeight(ctx, x)
		}
		return err == nil && got >= target
	})
}

// checkChain checks the invariants on the stopped load: every
// acknowledged transfer is in the same block on every gatekeeper, each
// sender's nonce and balance and each recipient's balance are exactly
// what the applied transfers make them, the supply is whole, every
// gatekeeper has one app hash at a common height, and every worker is
// registered once.
func (n *network) checkChain(ctx context.Context, m Manifest, l *load, sent []transfer) (int64, string, map[string]int, error) {
	n.findLanded(ctx, sent)
	errs, misses := n.checkBlocks(ctx, sent)
	errs = append(errs, n.checkBalances(ctx, l, sent)...)
	billion, _ := pha.Parse("1000000000PHA")
	for _, g := range n.gks {
		if s, _, err := g.cl.Supply(ctx, true); err != nil || s.Cmp(billion) != 0 {
			errs = append(errs, fmt.Errorf("%s: supply %s (%v), want 1,000,000,000 PHA", g.name, s, err))
		}
	}
	h, appHash, err := n.commonAppHash(ctx)
	errs = append(errs, err)
	if len(n.wks) > 0 {
		ws, err := n.gks[0].cl.Workers(ctx)
		if err != nil {
			errs = append(errs, err)
		} else if len(ws) != len(n.wks) {
			errs = append(errs, fmt.Errorf("%d workers registered, want %d (one each)", len(ws), len(n.wks)))
		}
	}
	return h, fmt.Sprintf("%X", appHash), misses, errors.Join(errs...)
}

// findLanded looks up the unacknowledged transfers (the last of each
// sender, when the load stopped), which may still have landed, so the
// balances count what the chain applied; one not found gets height -1.
func (n *network) findLanded(ctx context.Context, sent []transfer) {
	for i := range sent {
		t := &sent[i]
		if t.acked {
			continue
		}
		t.height = -1
		for _, g := range n.gks {
			if r, err := g.cl.Tx(ctx, t.hash); err == nil && r.Code == 0 {
				t.height, t.fee = r.Height, r.Fee
				break
			}
		}
	}
}

// checkBlocks checks that every applied transfer is in the block it was
// seen in, on every gatekeeper, read from the blocks themselves. The
// transaction index is checked too, but a miss there is counted, not
// failed: CometBFT indexes a block after committing it, and a node killed
// in between does not index that block again when it restarts.
func (n *network) checkBlocks(ctx context.Context, sent []transfer) (errs []error, misses map[string]int) {
	byHeight := map[int64][]transfer{}
	for _, t := range sent {
		if t.height >= 0 {
			byHeight[t.height] = append(byHeight[t.height], t)
		}
	}
	misses = map[string]int{}
	for _, g := range n.gks {
		for h, ts := range byHeight {
			b, err := g.cl.RPC().Block(ctx, &h)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: block %d: %w", g.name, h, err))
				continue
			}
			in := map[[32]byte]bool{}
			for _, raw := range b.Block.Txs {
				in[tx.Hash(raw)] = true
			}
			for _, t := range ts {
				if !in[[32]byte(t.hash)] {
					errs = append(errs, fmt.Errorf("%s: %s %d/%d (acknowledged %v) is not in block %d", g.name, t.kind(), t.sender, t.nonce, t.acked, h))
				}
				if _, err := g.cl.Tx(ctx, t.hash); err != nil {
					misses[g.name]++
				}
			}
		}
	}
	return errs, misses
}

// checkBalances checks each sender's nonce and balance, and its
// recipient's balance, against the transfers applied.
func (n *network) checkBalances(ctx context.Context, l *load, sent []transfer) []error {
	grant, err := pha.Parse(senderGrant)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for i, k := range l.keys {
		spent, received, applied := pha.Amount{}, pha.Amount{}, uint64(0)
		for _, t := range sent {
			if t.sender != i || t.command || t.height < 0 {
				continue
			}
			applied++
			received, _ = received.Add(t.amount)
			spent, _ = spent.Add(t.amount)
			spent, _ = spent.Add(t.fee)
		}
		want, err := grant.Sub(spent)
		if err != nil {
			return append(errs, err)
		}
		cl := n.gks[i%len(n.gks)].cl
		acc, err := cl.Account(ctx, k.Public().Address())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if acc.Nonce != applied {
			errs = append(errs, fmt.Errorf("sender %d: nonce %d on chain, %d transfers applied", i, acc.Nonce, applied))
		}
		if bal, _, err := cl.Balance(ctx, k.Public().Address(), true); err != nil || bal.Cmp(want) != 0 {
			errs = append(errs, fmt.Errorf("sender %d: balance %s (%v), want %s = %s - %s sent and paid in fees", i, bal, err, want, grant, spent))
		}
		if bal, _, err := cl.Balance(ctx, l.recipients[i], true); err != nil || bal.Cmp(received) != 0 {
			errs = append(errs, fmt.Errorf("recipient %d: balance %s (%v), want %s", i, bal, err, received))
		}
	}
	return errs
}

// commonAppHash checks that every gatekeeper has one app hash at the
// lowest of their heights, which every one of them has committed.
func (n *network) commonAppHash(ctx context.Context) (int64, []byte, error) {
	var errs []error
	h := int64(-1)
	for _, g := range n.gks {
		x, err := nodeHeight(ctx, g)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if h < 0 || x < h {
			h = x
		}
	}
	var appHash []byte
	for _, g := range n.gks {
		c, err := g.cl.RPC().Commit(ctx, &h)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: commit %d: %w", g.name, h, err))
			continue
		}
		if appHash == nil {
			appHash = c.AppHash
		} else if !bytes.Equal(appHash, c.AppHash) {
			errs = append(errs, fmt.Errorf("%s: app hash %X at height %d, %s has %X", g.name, c.AppHash, h, n.gks[0].name, appHash))
		}
	}
	return h, appHash, errors.Join(errs...)
}

// phases sums the windows and the transfers per phase, "all up" first.
func phases(ws []window, sent []transfer) []Phase {
	by := map[string]*Phase{}
	var names []string
	get := func(name string) *Phase {
		if by[name] == nil {
			by[name] = &Phase{Name: name}
			names = append(names, name)
		}
		return by[name]
	}
	for _, w := range ws {
		p := get(w.phase)
		p.Seconds += w.to.Sub(w.from).Seconds()
		p.Blocks += w.toH - w.fromH
	}
	lat := map[string][]time.Duration{}
	for _, t := range sent {
		if t.acked && !t.command {
			lat[t.phase] = append(lat[t.phase], t.committed.Sub(t.sent))
		}
	}
	sort.Strings(names)
	var out []Phase
	for _, name := range names {
		p := by[name]
		if p.Seconds > 0 {
			p.BlockRate = float64(p.Blocks) / p.Seconds
		}
		d := lat[name]
		slices.Sort(d)
		p.Transfers = len(d)
		if len(d) > 0 {
			p.P50, p.P99 = d[len(d)/2], d[min(len(d)-1, len(d)*99/100)]
		}
		out = append(out, *p)
	}
	return out
}
