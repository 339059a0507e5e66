package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// proxy stands in front of a node's RPC and fails the way a dying node or
// a broken network does, for the requests its rule picks.
type proxy struct {
	t      *testing.T
	srv    *httptest.Server
	target string
	// rule says what to do with a request of this JSON-RPC method.
	rule func(method string) action
	// network, if set, replaces the chain id in the node's status.
	network string

	mu        sync.Mutex
	broadcast [][]byte // the transactions of the broadcasts forwarded
}

type action int

const (
	forward     action = iota
	forwardDrop        // forward, then break the connection off without the answer
	swallow            // break the connection off without forwarding
	fakeAccept         // answer a broadcast as admitted without forwarding it
)

func newProxy(t *testing.T, target string, rule func(string) action) *proxy {
	p := &proxy{t: t, target: target, rule: rule}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxy) url() string { return p.srv.URL }

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Tx string `json:"tx"`
		} `json:"params"`
	}
	json.Unmarshal(body, &req)
	act := forward
	if p.rule != nil {
		act = p.rule(req.Method)
	}
	if act == swallow {
		hangUp(w)
		return
	}
	if act == fakeAccept {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"code":0,"data":"","log":"","codespace":"","hash":""}}`, req.ID)
		return
	}
	res, err := http.Post(p.target, "application/json", bytes.NewReader(body))
	if err != nil {
		hangUp(w)
		return
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if req.Method == "broadcast_tx_sync" {
		raw, _ := base64.StdEncoding.DecodeString(req.Params.Tx)
		p.mu.Lock()
		p.broadcast = append(p.broadcast, raw)
		p.mu.Unlock()
	}
	if act == forwardDrop {
		hangUp(w)
		return
	}
	if p.network != "" && req.Method == "status" {
		answer = bytes.ReplaceAll(answer, []byte(`"network":"phalanx-devnet"`), []byte(`"network":"`+p.network+`"`))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(answer)
}

func (p *proxy) broadcasts() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.broadcast...)
}

// hangUp closes the connection without an answer, as a node that dies
// does.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// net is a devnet of four gatekeepers shared by the tests of this file.
type testNet struct {
	d    *devnet.Devnet
	keys map[string]crypto.PrivateKey
}

func (n *testNet) rpc(i int) string { return n.d.Info().Gatekeepers[i].RPC }

func (n *testNet) addr(name string) crypto.Address { return n.keys[name].Public().Address() }

func startNet(t *testing.T, ctx context.Context) *testNet {
	t.Helper()
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 4, BlockTime: 200 * time.Millisecond})
	n := &testNet{d: d.Devnet, keys: map[string]crypto.PrivateKey{}}
	for _, name := range devnet.DevKeys {
		n.keys[name] = d.Key(t, name)
	}
	return n
}

func mustClient(t *testing.T, urls ...string) *client.Client {
	t.Helper()
	cl, err := client.NewMulti(urls)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// account is what a transfer changes: the sender's nonce, the receiver's
// balance.
type account struct {
	nonce   uint64
	balance pha.Amount
}

func (n *testNet) state(t *testing.T, ctx context.Context, from, to string) account {
	t.Helper()
	cl := mustClient(t, n.rpc(0), n.rpc(1))
	acc, err := cl.Account(ctx, n.addr(from))
	if err != nil {
		t.Fatal(err)
	}
	bal, _, err := cl.Balance(ctx, n.addr(to), false)
	if err != nil {
		t.Fatal(err)
	}
	return account{acc.Nonce, bal}
}

// landedOnce checks that exactly one transfer of amount went from `from`
// to `to` since before.
func (n *testNet) landedOnce(t *testing.T, ctx context.Context, from, to string, before account, amount pha.Amount) {
	t.Helper()
	after := n.state(t, ctx, from, to)
	want, _ := before.balance.Add(amount)
	if after.nonce != before.nonce+1 || after.balance.Cmp(want) != 0 {
		t.Fatalf("%s's nonce %d -> %d, %s's balance %s -> %s; want one transfer of %s", from, before.nonce, after.nonce, to,
			before.balance.PHA(), after.balance.PHA(), amount.PHA())
	}
}

func txHash(raw []byte) string { return hex.EncodeToString(cmttypes.Tx(raw).Hash()) }

// TestTransactionsAcrossNodes: nothing is paid twice and no outcome that
// the client cannot know is reported as a failure, whatever the nodes do.
func TestTransactionsAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 4-node network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n := startNet(t, ctx)
	amount := pha.Tokens(1)

	t.Run("a node that dies after it took the broadcast", func(t *testing.T) {
		// gk0 receives the transaction, then the connection breaks before
		// its answer: the client resends the same bytes to gk1.
		dying := newProxy(t, n.rpc(0), func(m string) action {
			if m == "broadcast_tx_sync" {
				return forwardDrop
			}
			return forward
		})
		before := n.state(t, ctx, "alice", "dave")
		cl := mustClient(t, dying.url(), n.rpc(1))
		res, err := cl.Send(ctx, n.keys["alice"], n.addr("dave"), amount, client.TxOptions{})
		if err != nil {
			t.Fatalf("send through a node that died mid-request: %v", err)
		}
		sent := dying.broadcasts()
		if len(sent) != 1 || res.Code != 0 || res.Hash != txHash(sent[0]) {
			t.Fatalf("gk0 got %d broadcasts; result %+v", len(sent), res)
		}
		n.landedOnce(t, ctx, "alice", "dave", before, amount)
	})

	t.Run("a node that dies while the client waits", func(t *testing.T) {
		// gk0 answers the broadcast, then answers nothing more: the wait
		// goes on at gk1, with the same bytes sent there too.
		var dead atomic.Bool
		dying := newProxy(t, n.rpc(0), func(m string) action {
			if dead.Load() {
				return swallow
			}
			if m == "broadcast_tx_sync" {
				dead.Store(true)
			}
			return forward
		})
		before := n.state(t, ctx, "bob", "dave")
		cl := mustClient(t, dying.url(), n.rpc(1))
		res, err := cl.Send(ctx, n.keys["bob"], n.addr("dave"), amount, client.TxOptions{})
		if err != nil || res.Code != 0 {
			t.Fatalf("send, then the node died: %+v, %v", res, err)
		}
		if cl.Node() != n.rpc(1) {
			t.Fatalf("the client still asks %s first", cl.Node())
		}
		n.landedOnce(t, ctx, "bob", "dave", before, amount)
	})

	t.Run("bytes a node holds already are pending, not refused", func(t *testing.T) {
		cl := mustClient(t, n.rpc(0))
		before := n.state(t, ctx, "carol", "dave")
		signed, err := cl.Build(ctx, n.keys["carol"], []module.Msg{&bank.MsgSend{To: n.addr("dave"), Amount: amount}}, client.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := signed.Encode()
		h1, err := cl.Broadcast(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		// The same bytes again: "tx already exists in cache".
		h2, err := cl.Broadcast(ctx, raw)
		if err != nil || !bytes.Equal(h1, h2) {
			t.Fatalf("second broadcast of the same bytes: %X, %v", h2, err)
		}
		res, err := cl.Resume(ctx, raw, 0)
		if err != nil || res.Code != 0 || res.Hash != txHash(raw) || !res.AlreadySent {
			t.Fatalf("resume of pending bytes: %+v, %v", res, err)
		}
		// Committed, then sent once more: its result, and no second transfer.
		again, err := cl.Resume(ctx, raw, 0)
		if err != nil || again.Height != res.Height || again.Hash != res.Hash {
			t.Fatalf("resume of committed bytes: %+v, %v", again, err)
		}
		n.landedOnce(t, ctx, "carol", "dave", before, amount)
	})

	t.Run("a refusal is an answer, not asked of the next node", func(t *testing.T) {
		second := newProxy(t, n.rpc(1), nil)
		cl := mustClient(t, n.rpc(0), second.url())
		_, err := cl.Send(ctx, n.keys["alice"], n.addr("dave"), pha.Tokens(999_999_999), client.TxOptions{})
		var te *client.TxError
		if !errors.As(err, &te) || te.Height != 0 || !errors.Is(err, bank.ErrInsufficientFunds) || errors.Is(err, client.ErrUnknown) {
			t.Fatalf("send beyond the balance: %v", err)
		}
		if got := second.broadcasts(); len(got) != 0 {
			t.Fatalf("the refused transaction was sent to the second node too (%d times)", len(got))
		}
	})

	t.Run("queries fail over", func(t *testing.T) {
		dead := newProxy(t, n.rpc(0), func(string) action { return swallow })
		deadURL := dead.url()
		// A port nothing listens on, a node that hangs up, then gk2.
		nothing := httptest.NewServer(http.NotFoundHandler())
		nothingURL := nothing.URL
		nothing.Close()
		cl := mustClient(t, nothingURL, deadURL, n.rpc(2))
		bal, _, err := cl.Balance(ctx, n.addr("dave"), true)
		if err != nil || bal.IsZero() {
			t.Fatalf("balance with the first two nodes dead: %s, %v", bal.PHA(), err)
		}
		if cl.Node() != n.rpc(2) {
			t.Fatalf("the client asks %s first, not the node that answered", cl.Node())
		}
		// None answers: every node's failure, and it is no refusal.
		none := mustClient(t, nothingURL, deadURL)
		_, _, err = none.Balance(ctx, n.addr("dave"), false)
		var na *client.NoAnswerError
		if !errors.As(err, &na) || len(na.Errs) != 2 || !strings.Contains(err.Error(), nothingURL) || !strings.Contains(err.Error(), deadURL) {
			t.Fatalf("no node answers: %v", err)
		}
		if client.IsUnreachable(err) {
			t.Fatalf("a node that hangs up is reachable: %v", err)
		}
		if _, _, err := mustClient(t, nothingURL).Balance(ctx, n.addr("dave"), false); !client.IsUnreachable(err) {
			t.Fatalf("nothing listens: %v", err)
		}
	})

	t.Run("a node of another chain is refused", func(t *testing.T) {
		var down atomic.Bool
		first := newProxy(t, n.rpc(0), func(string) action {
			if down.Load() {
				return swallow
			}
			return forward
		})
		other := newProxy(t, n.rpc(1), nil)
		other.network = "other-chain"
		cl := mustClient(t, first.url(), other.url())
		if _, _, err := cl.Supply(ctx, false); err != nil {
			t.Fatal(err)
		}
		down.Store(true)
		_, _, err := cl.Balance(ctx, n.addr("dave"), false)
		var cm *client.ChainMismatchError
		if !errors.As(err, &cm) || !errors.Is(err, client.ErrWrongChain) || cm.Chain != "other-chain" || cm.Want != "phalanx-devnet" ||
			!strings.Contains(err.Error(), other.url()) {
			t.Fatalf("a node of another chain: %v", err)
		}
	})

	t.Run("a resend refused during the wait ends it", func(t *testing.T) {
		// gk0 says it took the bytes but drops them; meanwhile another
		// transaction spends their nonce. The wait's resend is refused:
		// a definite failure, told then rather than at the timeout.
		var first atomic.Bool
		dropping := newProxy(t, n.rpc(0), func(m string) action {
			if m == "broadcast_tx_sync" && !first.Swap(true) {
				return fakeAccept
			}
			return forward
		})
		direct := mustClient(t, n.rpc(1))
		build := func(amount pha.Amount) []byte {
			signed, err := direct.Build(ctx, n.keys["carol"], []module.Msg{&bank.MsgSend{To: n.addr("dave"), Amount: amount}}, client.TxOptions{})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := signed.Encode()
			return raw
		}
		dropped, other := build(amount), build(pha.Tokens(2))
		if _, err := direct.Resume(ctx, other, 0); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := mustClient(t, dropping.url()).Resume(ctx, dropped, 0)
		if !errors.Is(err, tx.ErrStaleNonce) || errors.Is(err, client.ErrUnknown) {
			t.Fatalf("resume of bytes whose nonce another transaction spent: %v", err)
		}
		if took := time.Since(start); took > client.DefaultTimeout/2 {
			t.Fatalf("the refusal was told after %s", took)
		}
	})

	t.Run("a halt: unknown, then found by hash", func(t *testing.T) {
		// Two of four gatekeepers down: no block can be committed.
		for _, i := range []int{2, 3} {
			if err := n.d.StopGatekeeper(i); err != nil {
				t.Fatal(err)
			}
		}
		before := n.state(t, ctx, "dave", "alice")
		cl := mustClient(t, n.rpc(0), n.rpc(1))
		_, err := cl.Send(ctx, n.keys["dave"], n.addr("alice"), amount, client.TxOptions{Timeout: 1500 * time.Millisecond})
		var u *client.UnknownError
		if !errors.As(err, &u) || !errors.Is(err, client.ErrUnknown) || !errors.Is(err, client.ErrTimeout) || len(u.Tx) == 0 ||
			!bytes.Equal(u.Hash, cmttypes.Tx(u.Tx).Hash()) || !strings.Contains(err.Error(), "may still be committed") {
			t.Fatalf("send during a halt: %v", err)
		}
		if _, err := cl.Tx(ctx, u.Hash); !errors.Is(err, client.ErrTxNotFound) {
			t.Fatalf("the halted chain has the transaction: %v", err)
		}
		if err := n.d.StartGatekeeper(ctx, 2); err != nil {
			t.Fatal(err)
		}
		res, err := cl.WaitTx(ctx, u.Hash, time.Minute)
		if err != nil || res.Code != 0 {
			t.Fatalf("after the halt: %+v, %v", res, err)
		}
		// Sending the same bytes again applies nothing more.
		again, err := cl.Resume(ctx, u.Tx, 0)
		if err != nil || again.Height != res.Height || !again.AlreadySent {
			t.Fatalf("resume after the commit: %+v, %v", again, err)
		}
		n.landedOnce(t, ctx, "dave", "alice", before, amount)
	})
}
