package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/internal/proc"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/worker/api"
)

// senderGrant is what genesis gives each load-generator account: far more
// than a run spends in transfers and fees.
const senderGrant = "10000PHA"

// member is one node of the network: how to start it and what runs.
type member struct {
	name string
	kind string // "gk" or "wk"
	home string
	args []string
	p    *proc.Process
	// past holds the output of the node's earlier lives, for the report.
	past   strings.Builder
	state  atomic.Int32   // a nodeState; the load generator reads it
	rpc    string         // gatekeepers: the RPC URL
	cl     *client.Client // gatekeepers: a client of this node alone
	query  string         // workers: the query API's URL
	opAddr crypto.Address // workers: the operator's account
}

// network is the running processes of a fault run, each started from the
// phalanx binary as an operator would (docs/operations.md), on 127.0.0.1
// with ten ports per node.
type network struct {
	bin     string
	dir     string
	genesis string
	gks     []*member
	wks     []*member
}

// run runs one phalanx command to completion and returns its standard
// output.
func (n *network) run(args ...string) (string, error) { return proc.Run(n.bin, args...) }

func (n *network) runJSON(v any, args ...string) error {
	out, err := n.run(args...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("phalanx %s: %w in %q", args[0], err, out)
	}
	return nil
}

// newNetwork sets the nodes' homes and genesis up under dir, funding the
// senders' accounts; nothing runs yet.
func newNetwork(bin, dir string, m Manifest, senders []crypto.Address) (*network, error) {
	n := &network{bin: bin, dir: dir, genesis: filepath.Join(dir, "genesis.json")}
	base, err := devnet.FreeBasePort(m.Gatekeepers + m.Workers)
	if err != nil {
		return nil, err
	}
	port := func(i, off int) int { return base + 10*i + off }
	type identity struct {
		NodeID          string `json:"node_id"`
		ValidatorPubKey string `json:"validator_pubkey"`
	}
	ids := make([]identity, m.Gatekeepers)
	for i := range ids {
		g := &member{name: fmt.Sprintf("gk%d", i), kind: "gk", home: filepath.Join(dir, fmt.Sprintf("gk%d", i)),
			rpc: fmt.Sprintf("http://127.0.0.1:%d", port(i, 1))}
		if err := n.runJSON(&ids[i], "init", "--home", g.home, "--moniker", g.name,
			"--p2p-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", port(i, 0)), "--rpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", port(i, 1)),
			"--metrics-laddr", fmt.Sprintf("127.0.0.1:%d", port(i, 9)), "-o", "json"); err != nil {
			return nil, err
		}
		if err := RehearseOnOneHost(g.home); err != nil {
			return nil, err
		}
		if g.cl, err = client.New(g.rpc); err != nil {
			return nil, err
		}
		n.gks = append(n.gks, g)
	}
	holders := map[string]crypto.Address{}
	for _, name := range []string{"private-sale", "developers", "airdrop", "testers"} {
		if holders[name], err = n.key(filepath.Join(dir, "holders"), name); err != nil {
			return nil, err
		}
	}
	args := []string{"genesis", "new", "--chain-id", "phalanx-e2e", "--allow-sim", "--out", n.genesis, "-o", "json"}
	for i, id := range ids {
		args = append(args, "--validator", n.gks[i].name+"="+id.ValidatorPubKey)
	}
	for _, name := range []string{"private-sale", "developers", "airdrop", "testers"} {
		args = append(args, "--"+name, holders[name].String())
	}
	for i, a := range senders {
		args = append(args, "--grant", fmt.Sprintf("account%d=%s:%s", i, a, senderGrant))
	}
	for i := range m.Workers {
		w := &member{name: fmt.Sprintf("wk%d", i), kind: "wk", home: filepath.Join(dir, fmt.Sprintf("wk%d", i)),
			query: fmt.Sprintf("http://127.0.0.1:%d", port(m.Gatekeepers+i, 5))}
		if w.opAddr, err = n.key(w.home, "operator"); err != nil {
			return nil, err
		}
		args = append(args, "--grant", fmt.Sprintf("operator%d=%s:1000PHA", i, w.opAddr))
		n.wks = append(n.wks, w)
	}
	if _, err := n.run(args...); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(n.genesis)
	if err != nil {
		return nil, err
	}
	for i, g := range n.gks {
		if err := os.WriteFile(filepath.Join(g.home, "config", "genesis.json"), raw, 0o644); err != nil {
			return nil, err
		}
		var peers []string
		for j, id := range ids {
			if j != i {
				peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", id.NodeID, port(j, 0)))
			}
		}
		g.args = []string{"node", "start", "--home", g.home, "--enclave", "sim", "--peers", strings.Join(peers, ","), "--dashboard", ""}
	}
	for i, w := range n.wks {
		// Each worker follows its own gatekeeper, so that a worker and the
		// node it reads from can fail separately.
		w.args = []string{"worker", "start", "--home", w.home, "--operator", "operator", "--keyring-backend", "test",
			"--node", n.gks[i%len(n.gks)].rpc, "--platform", "sim", "--genesis", n.genesis,
			"--query-addr", strings.TrimPrefix(w.query, "http://")}
	}
	return n, nil
}

// key makes a key in the test keyring of home and returns its address.
func (n *network) key(home, name string) (crypto.Address, error) {
	var k struct {
		Address crypto.Address `json:"address"`
	}
	err := n.runJSON(&k, "keys", "add", name, "--home", home, "--keyring-backend", "test", "-o", "json")
	return k.Address, err
}

// RehearseOnOneHost edits a node's config.toml as docs/operations.md says
// for a rehearsal on one machine: several peers share one IP address, and
// 127.0.0.1 is not a routable address for the address book.
func RehearseOnOneHost(home string) error {
	path := filepath.Join(home, "config", "config.toml")
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(raw)
	for _, r := range [][2]string{{"allow_duplicate_ip = false", "allow_duplicate_ip = true"}, {"addr_book_strict = true", "addr_book_strict = false"}} {
		if !strings.Contains(s, r[0]) {
			return fmt.Errorf("%s has no %q", path, r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return os.WriteFile(path, []byte(s), 0o600)
}

func (x *member) isUp() bool { return nodeState(x.state.Load()) == up }

func (n *network) members() []*member { return append(append([]*member{}, n.gks...), n.wks...) }

func (n *network) member(name string) *member {
	for _, x := range n.members() {
		if x.name == name {
			return x
		}
	}
	return nil
}

func (n *network) start(x *member) error {
	if x.p != nil {
		x.past.WriteString(x.p.Output())
		fmt.Fprintf(&x.past, "--- %s exited (%v); started again\n", x.name, x.p.Err())
	}
	p, err := proc.Start("phalanx "+x.name, n.bin, x.args...)
	if err != nil {
		return err
	}
	x.p = p
	x.state.Store(int32(up))
	return nil
}

// apply performs one perturbation.
func (n *network) apply(p Perturbation) error {
	x := n.member(p.Node)
	switch p.Op {
	case Kill:
		x.p.Kill()
		x.state.Store(int32(down))
	case Start:
		return n.start(x)
	case Restart:
		x.p.Kill()
		return n.start(x)
	case Pause:
		if err := x.p.Signal(syscall.SIGSTOP); err != nil {
			return err
		}
		x.state.Store(int32(paused))
	case Resume:
		if err := x.p.Signal(syscall.SIGCONT); err != nil {
			return err
		}
		x.state.Store(int32(up))
	case Wipe:
		if x.p != nil && !x.p.Exited() {
			x.p.Signal(syscall.SIGCONT)
			x.p.Kill()
		}
		if err := wipe(x); err != nil {
			return err
		}
		return n.start(x)
	default:
		return fmt.Errorf("unknown op %q", p.Op)
	}
	return nil
}

// wipe deletes a stopped node's data and keeps its keys (see Wipe).
func wipe(x *member) error {
	if x.kind == "wk" {
		// The worker's state is under <home>/worker (docs/operations.md):
		// its sealed keys stay, what the chain can give back goes.
		dir := filepath.Join(x.home, "worker")
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("wipe %s: %w", x.name, err)
		}
		for _, name := range []string{"checkpoint.sealed", "contract-state", "wasm-cache"} {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("wipe %s: %w", x.name, err)
			}
		}
		return nil
	}
	dir := filepath.Join(x.home, "data")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("wipe %s: %w", x.name, err)
	}
	for _, e := range entries {
		if e.Name() == "priv_validator_state.json" {
			continue // the double-sign guard
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("wipe %s: %w", x.name, err)
		}
	}
	return nil
}

// stop ends every process: paused ones are continued first so SIGINT
// reaches them; whatever does not stop in time is killed.
func (n *network) stop() {
	for _, x := range n.members() {
		if x.p != nil && !x.p.Exited() {
			x.p.Signal(syscall.SIGCONT)
			x.p.Interrupt()
		}
	}
	for _, x := range n.members() {
		if x.p != nil {
			x.p.Wait(20 * time.Second)
		}
	}
}

// writeLogs writes each node's output, all its lives, to dir/<node>.log.
func (n *network) writeLogs() error {
	var errs []error
	for _, x := range n.members() {
		out := x.past.String()
		if x.p != nil {
			out += x.p.Output()
		}
		errs = append(errs, os.WriteFile(filepath.Join(n.dir, x.name+".log"), []byte(out), 0o644))
	}
	return errors.Join(errs...)
}

// gatekeepersDown is the number of gatekeepers killed or paused.
func (n *network) gatekeepersDown() int {
	d := 0
	for _, g := range n.gks {
		if !g.isUp() {
			d++
		}
	}
	return d
}

// quorum reports whether more than two thirds of the (equal-power)
// gatekeepers are up, so the chain can make blocks.
func (n *network) quorum() bool {
	return 3*(len(n.gks)-n.gatekeepersDown()) > 2*len(n.gks)
}

// live returns the gatekeepers that run.
func (n *network) live() []*member {
	var out []*member
	for _, g := range n.gks {
		if g.isUp() {
			out = append(out, g)
		}
	}
	return out
}

// height is the highest block any live gatekeeper reports.
func (n *network) height(ctx context.Context) int64 {
	var h int64
	for _, g := range n.live() {
		if x, err := nodeHeight(ctx, g); err == nil && x > h {
			h = x
		}
	}
	return h
}

func nodeHeight(ctx context.Context, g *member) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st, err := g.cl.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// workerHeight is the height a worker's query API says it verified.
func workerHeight(ctx context.Context, w *member) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.query+api.PathInfo, nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var info api.WorkerInfo
	if err := json.NewDecoder(res.Body).Decode(&info); err != nil {
		return 0, fmt.Errorf("%s info: %w", w.name, err)
	}
	return info.Height, nil
}

// exited returns the first node that should run and has exited.
func (n *network) exited() *member {
	for _, x := range n.members() {
		if nodeState(x.state.Load()) != down && x.p != nil && x.p.Exited() {
			return x
		}
	}
	return nil
}

// waitFor polls cond every 200 ms until it holds, a node that should run
// exits, or timeout passes.
func (n *network) waitFor(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if x := n.exited(); x != nil {
			return fmt.Errorf("waiting for %s: %s exited: %v", what, x.name, x.p.Err())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no %s within %s", what, timeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}
