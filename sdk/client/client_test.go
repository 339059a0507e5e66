package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/cometbft/cometbft/mempool"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"

	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/tx"
)

func TestRefusalOf(t *testing.T) {
	inv := mempool.ErrInvalidTx{Code: 1, Log: "message 0 (bank/send): insufficient funds: it's short", Codespace: "bank", Hash: []byte{1, 2}}
	// Over HTTP the error arrives as text inside CometBFT's RPC error.
	remote := fmt.Errorf("error in json rpc client: RPC error -32603 - Internal error: broadcast error on transaction validation: %s", inv.Error())
	for name, err := range map[string]error{"local": fmt.Errorf("broadcast: %w", inv), "http": remote} {
		te := refusalOf(err)
		if te == nil {
			t.Fatalf("%s: not recognized", name)
		}
		if !errors.Is(te, bank.ErrInsufficientFunds) || errors.Is(te, tx.ErrStaleNonce) {
			t.Fatalf("%s: %v does not match its registered error", name, te)
		}
		if te.Log != inv.Log {
			t.Fatalf("%s: log %q", name, te.Log)
		}
	}
	if refusalOf(errors.New("connection refused")) != nil {
		t.Fatal("a connection error taken for a refusal")
	}
}

func TestNodeLists(t *testing.T) {
	c, err := New("127.0.0.1:26657, http://127.0.0.1:26657,tcp://10.0.0.2:26657")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Nodes(); len(got) != 2 || got[0] != "http://127.0.0.1:26657" || got[1] != "http://10.0.0.2:26657" || c.Node() != got[0] {
		t.Fatalf("nodes %v, first %s", got, c.Node())
	}
	if _, err := New("127.0.0.1:26657,,10.0.0.2:26657"); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("an empty item: %v", err)
	}
	if _, err := NewMulti(nil); err == nil {
		t.Fatal("a client of no node")
	}
}

// TestWhatIsAnAnswer: only a failure to get an answer moves to the next
// node, and only a failure to connect means the node cannot have the
// request.
func TestWhatIsAnAnswer(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	broke := &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: io.EOF}
	for _, c := range []struct {
		name              string
		err               error
		transport, unsent bool
	}{
		{"connection refused", fmt.Errorf("post failed: %w", dial), true, true},
		{"broken after the request", fmt.Errorf("post failed: %w", broke), true, false},
		{"a proxy's error page", errors.New("error in json rpc client, with http response metadata: (Status: 502 Bad Gateway, Protocol HTTP/1.1). error unmarshalling: invalid character '<'"), true, false},
		{"the node's RPC error", fmt.Errorf("error in json rpc client, with http response metadata: (Status: 200 OK, Protocol HTTP/1.1). %w", &rpctypes.RPCError{Code: -32603, Message: "Internal error", Data: "tx already exists in cache"}), false, false},
		{"an in-process node's error", mempool.ErrTxInCache, false, false},
	} {
		if got := isTransport(c.err); got != c.transport {
			t.Errorf("%s: isTransport = %v", c.name, got)
		}
		if c.transport {
			if got := notSent(c.err); got != c.unsent {
				t.Errorf("%s: notSent = %v", c.name, got)
			}
		}
	}
	if !isInMempool(mempool.ErrTxInCache) || !isInMempool(mempool.ErrTxInMempool) {
		t.Error("bytes a node holds are not recognized")
	}
	one := &NoAnswerError{}
	one.add("http://a", fmt.Errorf("post failed: %w", broke))
	one.add("http://a", fmt.Errorf("post failed: %w", broke))
	if got := one.Error(); got != "no answer from http://a: the connection broke off before the answer (EOF)" {
		t.Errorf("one node asked twice: %q", got)
	}
	if IsUnreachable(one) {
		t.Error("a node that broke the connection off is unreachable")
	}
	two := &NoAnswerError{}
	two.add("http://a", fmt.Errorf("post failed: %w", dial))
	two.add("http://b", fmt.Errorf("post failed: %w", dial))
	if !IsUnreachable(two) || !two.notSent() || !strings.Contains(two.Error(), "no node answered: http://a: dial tcp") {
		t.Errorf("two nodes that refuse connections: %v", two)
	}
}
