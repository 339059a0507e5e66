package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"
)

// endpoint is one node a client may ask.
type endpoint struct {
	url string
	rpc rpcclient.Client
	// chainOK is set once the node said it is of the client's chain.
	chainOK atomic.Bool
}

// nodes is the list of nodes of a client and which to ask first.
type nodes struct {
	list []*endpoint
	mu   sync.Mutex
	cur  int    // the node that answered last; asked first. Guarded by mu.
	id   string // the chain id, once a node gave it. Guarded by mu.
	// by is the URL of the node the chain id came from, for errors.
	by string
}

func (n *nodes) current() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cur
}

func (n *nodes) setCurrent(i int) {
	n.mu.Lock()
	n.cur = i
	n.mu.Unlock()
}

// urls returns the nodes' URLs, in the order given.
func (n *nodes) urls() []string {
	out := make([]string, len(n.list))
	for i, e := range n.list {
		out[i] = e.url
	}
	return out
}

// call asks the nodes in turn, from the one that answered last, until one
// answers: a result, or an error that the node sent (a refusal, a record
// not found) is an answer and is returned as it is. Only a failure to get
// an answer (nothing listens, the connection broke, a proxy's error page)
// moves on to the next node. If no node answers, the error is a
// *NoAnswerError with each node's failure.
//
// A node is asked for its chain id before its first use, when the client
// has several: a node of another chain is refused with a
// *ChainMismatchError rather than skipped, since it means the list is
// wrong.
func call[T any](ctx context.Context, c *Client, f func(rpcclient.Client) (T, error)) (T, error) {
	var zero T
	n := c.nodes
	start := n.current()
	noAnswer := &NoAnswerError{}
	for k := range n.list {
		i := (start + k) % len(n.list)
		e := n.list[i]
		if err := c.checkChain(ctx, e); err != nil {
			if !isTransport(err) {
				return zero, err
			}
			noAnswer.add(e.url, err)
		} else {
			v, err := f(e.rpc)
			if !isTransport(err) {
				n.setCurrent(i)
				return v, err
			}
			noAnswer.add(e.url, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return zero, noAnswer
}

// checkChain makes sure that e is a node of the client's chain, asking it
// once. A client of one node takes the chain id from it when it needs it.
func (c *Client) checkChain(ctx context.Context, e *endpoint) error {
	n := c.nodes
	if len(n.list) == 1 || e.chainOK.Load() {
		return nil
	}
	st, err := e.rpc.Status(ctx)
	if err != nil {
		return fmt.Errorf("status of %s: %w", e.url, err)
	}
	got := st.NodeInfo.Network
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.id == "" {
		n.id, n.by = got, e.url
	}
	if got != n.id {
		return &ChainMismatchError{URL: e.url, Chain: got, Want: n.id, WantFrom: n.by}
	}
	e.chainOK.Store(true)
	return nil
}

// isTransport reports whether err means that no answer came from the
// node: the HTTP request failed (nothing listening, the connection broke
// before the answer, a timeout) or what came back is not a JSON-RPC
// answer (a proxy's error page, a cut body). An error the node sent, as a
// JSON-RPC error or from an in-process client, is an answer.
func isTransport(err error) bool {
	if err == nil {
		return false
	}
	var rpcErr *rpctypes.RPCError
	if errors.As(err, &rpcErr) {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) || IsUnreachable(err) {
		return true
	}
	// CometBFT's HTTP client puts this before every failure to read or
	// decode an answer; the node's own errors are RPCErrors, above.
	return strings.Contains(err.Error(), "error in json rpc client, with http response metadata")
}

// notSent reports whether a transport failure happened before the request
// left: the connection could not be made, so the node cannot have the
// request. Any other failure (a reset, an EOF, a timeout waiting for the
// answer) may have come after the node received it.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED)
}

// NoAnswerError is returned when no node answered: each was unreachable,
// broke the connection off, or sent something that is not an answer.
type NoAnswerError struct {
	URLs []string
	Errs []error
}

func (e *NoAnswerError) add(url string, err error) {
	e.URLs = append(e.URLs, url)
	e.Errs = append(e.Errs, err)
}

func (e *NoAnswerError) Error() string {
	var parts []string
	for i, err := range e.Errs {
		p := e.URLs[i] + ": " + failure(err)
		if len(parts) > 0 && parts[len(parts)-1] == p {
			continue // the same node, the same failure, asked twice
		}
		parts = append(parts, p)
	}
	if len(parts) == 1 {
		return "no answer from " + parts[0]
	}
	return "no node answered: " + strings.Join(parts, "; ")
}

// failure says in a few words why a node gave no answer, without the
// HTTP client's wrapping ("post failed: Post URL: ...").
func failure(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err.Error()
	}
	if notSent(ue.Err) {
		return ue.Err.Error()
	}
	if errors.Is(ue.Err, io.EOF) || errors.Is(ue.Err, io.ErrUnexpectedEOF) || errors.Is(ue.Err, syscall.ECONNRESET) {
		return "the connection broke off before the answer (" + ue.Err.Error() + ")"
	}
	return ue.Err.Error()
}

// Unwrap returns each node's failure.
func (e *NoAnswerError) Unwrap() []error { return e.Errs }

// notSent reports whether no node can have received the request.
func (e *NoAnswerError) notSent() bool {
	for _, err := range e.Errs {
		if !notSent(err) {
			return false
		}
	}
	return true
}

// ErrWrongChain matches a ChainMismatchError.
var ErrWrongChain = errors.New("node of another chain")

// ChainMismatchError is a node, among a client's, that is of another
// chain than the first node that answered.
type ChainMismatchError struct {
	URL, Chain     string
	Want, WantFrom string
}

func (e *ChainMismatchError) Error() string {
	return fmt.Sprintf("the node at %s is of chain %q, but %s is of chain %q: the nodes of one client must be of one chain", e.URL, e.Chain, e.WantFrom, e.Want)
}

// Is matches ErrWrongChain.
func (e *ChainMismatchError) Is(target error) bool { return target == ErrWrongChain }
