package devnet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/sdk/client"
)

type net4 struct {
	t    *testing.T
	d    *devnet.Devnet
	keys map[string]crypto.PrivateKey
}

func (n *net4) client(i int) *client.Client {
	c, err := client.New(n.d.Info().Gatekeepers[i].RPC)
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

func (n *net4) addr(name string) crypto.Address { return n.keys[name].Public().Address() }

func (n *net4) balance(i int, name string) pha.Amount {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, _, err := n.client(i).Balance(ctx, n.addr(name), true)
	if err != nil {
		n.t.Fatalf("balance of %s on gk%d: %v", name, i, err)
	}
	return b
}

func (n *net4) send(via int, from, to string, amount pha.Amount) *client.Result {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := n.client(via).Send(ctx, n.keys[from], n.addr(to), amount, client.TxOptions{})
	if err != nil {
		n.t.Fatalf("send %s -> %s via gk%d: %v", from, to, via, err)
	}
	return res
}

// sameAppHash checks that every running gatekeeper has the same app hash in
// the header of block h.
func (n *net4) sameAppHash(h int64) {
	n.t.Helper()
	ctx := context.Background()
	var first []byte
	for i := range n.d.Size() {
		if n.d.Gatekeeper(i) == nil {
			continue
		}
		c, err := n.client(i).RPC().Commit(ctx, &h)
		if err != nil {
			n.t.Fatalf("gk%d commit %d: %v", i, h, err)
		}
		if first == nil {
			first = c.Header.AppHash
		} else if !bytes.Equal(first, c.Header.AppHash) {
			n.t.Fatalf("gk%d app hash at %d is %X, gk0 has %X", i, h, c.Header.AppHash, first)
		}
	}
}

func TestDevnetFourGatekeepers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// net.Logs holds every line of the four nodes, CometBFT's errors
	// included: a clean start, a gatekeeper's restart and a clean stop log
	// no error.
	net := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 4, BlockTime: 200 * time.Millisecond})
	d, info, logs := net.Devnet, net.Info, net.Logs
	if info.ChainID != "phalanx-devnet" || len(info.Gatekeepers) != 4 || len(info.Keys) != len(devnet.DevKeys)+len(devnet.AllocationKeys) {
		t.Fatalf("devnet.json = %+v", info)
	}
	n := &net4{t: t, d: d, keys: map[string]crypto.PrivateKey{}}
	for _, name := range devnet.DevKeys {
		n.keys[name] = net.Key(t, name)
	}

	// Transfers through different gatekeepers' RPC.
	n.send(0, "alice", "bob", pha.Tokens(10))
	n.send(2, "carol", "bob", pha.Tokens(5))
	res := n.send(3, "bob", "dave", pha.Tokens(1))
	if err := d.WaitHeight(ctx, res.Height+1); err != nil {
		t.Fatal(err)
	}
	n.sameAppHash(res.Height + 1)
	wantBob, _ := devnet.DevGrant.Add(pha.Tokens(14))
	for i := range 4 {
		// bob paid a fee too, so his balance is just under grant + 14.
		got := n.balance(i, "bob")
		if got.Cmp(wantBob) >= 0 || got.Cmp(devnet.DevGrant) <= 0 {
			t.Fatalf("gk%d: bob holds %s, want just under %s", i, got.PHA(), wantBob.PHA())
		}
		if got := n.balance(i, "dave"); got.Cmp(mustAdd(devnet.DevGrant, pha.Tokens(1))) != 0 {
			t.Fatalf("gk%d: dave holds %s", i, got.PHA())
		}
	}

	// One gatekeeper down: the other three keep committing.
	if err := d.StopGatekeeper(3); err != nil {
		t.Fatal(err)
	}
	h := d.Gatekeeper(0).Height()
	if err := d.WaitHeight(ctx, h+3); err != nil {
		t.Fatalf("three gatekeepers stopped committing: %v", err)
	}
	res = n.send(1, "alice", "carol", pha.Tokens(2))

	// Back up, it catches up and agrees.
	if err := d.StartGatekeeper(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitHeight(ctx, d.Gatekeeper(0).Height()+2); err != nil {
		t.Fatalf("gk3 did not catch up: %v", err)
	}
	n.sameAppHash(res.Height + 1)
	if got, want := n.balance(3, "carol"), n.balance(0, "carol"); got.Cmp(want) != 0 {
		t.Fatalf("gk3 sees carol at %s, gk0 at %s", got.PHA(), want.PHA())
	}

	// Everything down, then up again on the same home: the state is there.
	bobBefore := n.balance(0, "bob")
	stoppedAt := d.Gatekeeper(0).Height()
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	d, err := devnet.Start(ctx, devnet.Config{Home: net.Home, BlockTime: 200 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { d.Stop() })
	n.d = d
	if h := d.Gatekeeper(0).Height(); h <= stoppedAt {
		t.Fatalf("restarted at height %d, stopped at %d", h, stoppedAt)
	}
	if got := n.balance(2, "bob"); got.Cmp(bobBefore) != 0 {
		t.Fatalf("after restart bob holds %s, before %s", got.PHA(), bobBefore.PHA())
	}
	n.send(0, "dave", "alice", pha.Tokens(1)) // nonces and signing still work
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if errs := errorLines(logs.Bytes()); len(errs) > 0 {
		t.Fatalf("a clean start, restart and stop logged %d error(s):\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// errorLines returns the lines of a text log at level ERROR.
func errorLines(log []byte) []string {
	var out []string
	for _, l := range strings.Split(string(log), "\n") {
		if strings.Contains(l, " level=ERROR ") {
			out = append(out, l)
		}
	}
	return out
}

func mustAdd(a, b pha.Amount) pha.Amount {
	s, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return s
}

// TestDevnetKeepsItsBasePort: a devnet resumed with another --base-port is
// refused, naming the port it was made with, and changes nothing; without
// one it resumes on its own ports.
func TestDevnetKeepsItsBasePort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	net := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 1, BlockTime: 100 * time.Millisecond})
	home, before := net.Home, net.Info
	rpc, err := url.Parse(before.Gatekeepers[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(rpc.Port())
	if err != nil {
		t.Fatal(err)
	}
	base := port - 1
	if err := net.Stop(); err != nil {
		t.Fatal(err)
	}

	other := base + 1000
	_, err = devnet.Start(ctx, devnet.Config{Home: home, BasePort: other, BlockTime: 100 * time.Millisecond})
	if !errors.Is(err, devnet.ErrBasePort) || !strings.Contains(err.Error(), fmt.Sprintf("created with --base-port %d", base)) {
		t.Fatalf("resuming on base port %d: %v", other, err)
	}
	if after, err := devnet.ReadInfo(home); err != nil || after.Gatekeepers[0].RPC != before.Gatekeepers[0].RPC || after.Dashboard != before.Dashboard {
		t.Fatalf("the refused start changed devnet.json: %+v (%v), before %+v", after, err, before)
	}

	d, err := devnet.Start(ctx, devnet.Config{Home: home, BlockTime: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	info := d.Info()
	if want := fmt.Sprintf("http://127.0.0.1:%d", base+1); info.Gatekeepers[0].RPC != want {
		t.Fatalf("resumed with RPC at %s, want %s", info.Gatekeepers[0].RPC, want)
	}
	if want := fmt.Sprintf("http://127.0.0.1:%d", base+8); info.Dashboard != want {
		t.Fatalf("resumed with the dashboard at %s, want %s", info.Dashboard, want)
	}
}
