package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/phalanx-net/phalanx/chain/query"
	"regexp"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

// Client talks to one or more gatekeepers of one chain. With several, a
// call that gets no answer from one node (nothing listens, the
// connection breaks) is asked of the next; see the package doc for what
// that does and does not promise. A Client is safe for concurrent use.
type Client struct {
	nodes *nodes
}

// New returns a client of the node at node: host:port, http://host:port,
// https://... or tcp://host:port (see NodeURL), or of several nodes of
// one chain given as a comma-separated list of those, which fail over
// (see NewMulti).
func New(node string) (*Client, error) {
	urls, err := NodeURLs(node)
	if err != nil {
		return nil, err
	}
	return NewMulti(urls)
}

// NewMulti returns a client of several nodes of one chain (each in a form
// NodeURL takes; a node given twice is kept once). It asks one
// node at a time: first the first, then whichever answered last; a node
// that gives no answer is passed over for the next. Each node is asked
// for its chain id before its first use, and one of another chain than
// the first that answered is refused with a *ChainMismatchError.
func NewMulti(urls []string) (*Client, error) {
	if len(urls) == 0 {
		return nil, errors.New("no node address given")
	}
	n := &nodes{}
	seen := map[string]bool{}
	for _, u := range urls {
		url, err := NodeURL(strings.TrimSpace(u))
		if err != nil {
			return nil, err
		}
		if seen[url] {
			continue // the same node twice would only be asked twice
		}
		seen[url] = true
		c, err := rpchttp.NewWithTimeout(url, uint(RequestTimeout/time.Second))
		if err != nil {
			return nil, fmt.Errorf("rpc client for %s: %w", url, err)
		}
		n.list = append(n.list, &endpoint{url: url, rpc: c})
	}
	return &Client{nodes: n}, nil
}

// RequestTimeout bounds one request to a node, so that a node that hangs
// (a frozen process, a host that drops packets) is given up for the next
// instead of holding the call until its context ends.
const RequestTimeout = 30 * time.Second

// FromRPC returns a client over any CometBFT RPC client, such as the
// in-process rpc/client/local of a node.
func FromRPC(c rpcclient.Client) *Client {
	return &Client{nodes: &nodes{list: []*endpoint{{url: "the node's RPC", rpc: c}}}}
}

// RPC returns the CometBFT RPC client of the node the client asks first
// (the one that answered last). Calls made on it do not fail over.
func (c *Client) RPC() rpcclient.Client { return c.nodes.list[c.nodes.current()].rpc }

// Node returns the URL of the node the client asks first.
func (c *Client) Node() string { return c.nodes.list[c.nodes.current()].url }

// Nodes returns the URLs of the client's nodes, in the order given.
func (c *Client) Nodes() []string { return c.nodes.urls() }

// Status returns the status of the first node that answers.
func (c *Client) Status(ctx context.Context) (*coretypes.ResultStatus, error) {
	return call(ctx, c, func(r rpcclient.Client) (*coretypes.ResultStatus, error) { return r.Status(ctx) })
}

// ChainID returns the chain id, asking a node once.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	n := c.nodes
	n.mu.Lock()
	id := n.id
	n.mu.Unlock()
	if id != "" {
		return id, nil
	}
	st, err := c.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("node status: %w", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.id == "" {
		n.id, n.by = st.NodeInfo.Network, n.list[n.cur].url
	}
	return n.id, nil
}

// Query is a state read: the raw value of one key at a height.
type Query struct {
	Key, Value []byte
	Height     int64
}

// Get reads a query path at a height (0: latest). With prove, it also
// fetches the header of the next block and checks the value's Merkle proof
// against that header's app hash; the header itself is trusted from this
// node (a light client verifies headers; workers do).
func (c *Client) Get(ctx context.Context, path string, data []byte, height int64, prove bool) (Query, error) {
	res, err := call(ctx, c, func(r rpcclient.Client) (*coretypes.ResultABCIQuery, error) {
		return r.ABCIQueryWithOptions(ctx, path, data, rpcclient.ABCIQueryOptions{Height: height, Prove: prove})
	})
	if err != nil {
		return Query{}, fmt.Errorf("query %s: %w", path, err)
	}
	r := res.Response
	if r.Code != 0 {
		return Query{}, &TxError{Codespace: r.Codespace, Code: r.Code, Log: r.Log}
	}
	q := Query{Key: r.Key, Value: r.Value, Height: r.Height}
	if prove {
		if err := c.verify(ctx, r); err != nil {
			return Query{}, err
		}
	}
	return q, nil
}

func (c *Client) verify(ctx context.Context, r abci.QueryResponse) error {
	next := r.Height + 1
	var commit *coretypes.ResultCommit
	var err error
	// The next header may not exist yet; it comes within a block time.
	for i := 0; i < 50; i++ {
		commit, err = call(ctx, c, func(r rpcclient.Client) (*coretypes.ResultCommit, error) { return r.Commit(ctx, &next) })
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("header %d for the proof: %w", next, err)
	}
	if err := store.VerifyProof(commit.Header.AppHash, r.Key, r.Value, r.ProofOps); err != nil {
		return fmt.Errorf("state at height %d: %w", r.Height, err)
	}
	return nil
}

// Balance returns an account's balance.
func (c *Client) Balance(ctx context.Context, addr crypto.Address, prove bool) (pha.Amount, int64, error) {
	q, err := c.Get(ctx, query.Balance, addr[:], 0, prove)
	if err != nil {
		return pha.Amount{}, 0, err
	}
	a, err := bank.DecodeAmount(q.Value)
	return a, q.Height, err
}

// Vesting returns an account's vesting schedule; ok is false when it has
// none.
func (c *Client) Vesting(ctx context.Context, addr crypto.Address, prove bool) (v bank.Vesting, ok bool, height int64, err error) {
	q, err := c.Get(ctx, query.Vesting, addr[:], 0, prove)
	if err != nil {
		return bank.Vesting{}, false, 0, err
	}
	if q.Value == nil {
		return bank.Vesting{}, false, q.Height, nil
	}
	v, err = bank.DecodeVesting(q.Value)
	return v, err == nil, q.Height, err
}

// Supply returns the total supply.
func (c *Client) Supply(ctx context.Context, prove bool) (pha.Amount, int64, error) {
	q, err := c.Get(ctx, query.Supply, nil, 0, prove)
	if err != nil {
		return pha.Amount{}, 0, err
	}
	a, err := bank.DecodeAmount(q.Value)
	return a, q.Height, err
}

// Account returns an account's record (its next nonce).
func (c *Client) Account(ctx context.Context, addr crypto.Address) (auth.Account, error) {
	q, err := c.Get(ctx, query.Account, addr[:], 0, false)
	if err != nil {
		return auth.Account{}, err
	}
	return auth.DecodeAccount(q.Value)
}

// Params returns the chain's transaction parameters.
func (c *Client) Params(ctx context.Context) (auth.Params, error) {
	var p auth.Params
	q, err := c.Get(ctx, query.Params, nil, 0, false)
	if err != nil {
		return p, err
	}
	if err := codec.Unmarshal(q.Value, &p); err != nil {
		return p, fmt.Errorf("decode params: %w", err)
	}
	return p, nil
}

// TxOptions adjust a transaction. Zero values are filled in: the gas
// limit with DefaultGasLimit, the price with the chain's minimum, the nonce
// with the account's next one.
type TxOptions struct {
	GasLimit uint64
	GasPrice uint64
	Nonce    *uint64
	Memo     string
	// Timeout bounds the wait for the commit (default 30 s).
	Timeout time.Duration
}

// DefaultGasLimit covers a few plain messages; the sender pays only for the
// gas used, but needs a balance that covers the limit.
const DefaultGasLimit = 200_000

// Build makes and signs a transaction of msgs from key.
func (c *Client) Build(ctx context.Context, key crypto.PrivateKey, msgs []module.Msg, o TxOptions) (*tx.Tx, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	if o.GasLimit == 0 {
		o.GasLimit = DefaultGasLimit
	}
	if o.GasPrice == 0 {
		p, err := c.Params(ctx)
		if err != nil {
			return nil, err
		}
		o.GasPrice = p.MinGasPrice
	}
	var nonce uint64
	if o.Nonce != nil {
		nonce = *o.Nonce
	} else {
		acc, err := c.Account(ctx, key.Public().Address())
		if err != nil {
			return nil, err
		}
		nonce = acc.Nonce
	}
	body := tx.Body{ChainID: chainID, Nonce: nonce, Fee: tx.Fee{GasLimit: o.GasLimit, GasPrice: o.GasPrice}, Memo: o.Memo}
	for _, m := range msgs {
		em, err := tx.NewMsg(m)
		if err != nil {
			return nil, err
		}
		body.Msgs = append(body.Msgs, em)
	}
	return tx.Sign(body, key)
}

// Result is a committed transaction.
type Result struct {
	Hash    string       `json:"hash"`
	Height  int64        `json:"height"`
	Code    uint32       `json:"code"`
	Log     string       `json:"log,omitempty"`
	GasUsed int64        `json:"gas_used"`
	Fee     pha.Amount   `json:"fee"`
	Events  []abci.Event `json:"events,omitempty"`
	// AlreadySent says that the first node to answer held these very
	// bytes already, before this client sent them: an identical
	// transaction (same key, nonce and content) was sent before, and this
	// is its outcome, not a second one.
	AlreadySent bool                `json:"already_sent,omitempty"`
	Tx          *tx.Tx              `json:"-"`
	Raw         *coretypes.ResultTx `json:"-"`
}

// invalidTx matches CometBFT's mempool.ErrInvalidTx as its RPC server
// sends it (CometBFT v1 reports a refused transaction as an RPC error)
// and as an in-process node returns it, by its message: the client does
// not link CometBFT's mempool for its type.
var invalidTx = regexp.MustCompile(`is invalid: code=(\d+), data=[0-9A-F]*, log='(?s:(.*))', codespace='([^']*)'`)

// refusalOf extracts the node's refusal from a broadcast error, or nil.
func refusalOf(err error) *TxError {
	m := invalidTx.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	code, perr := strconv.ParseUint(m[1], 10, 32)
	if perr != nil {
		return nil
	}
	return &TxError{Codespace: m[3], Code: uint32(code), Log: m[2]}
}

// isMempoolFull recognizes CometBFT's mempool.ErrMempoolIsFull by its
// message, the same from an in-process node and over HTTP (the RPC error
// carries no code).
func isMempoolFull(err error) bool { return strings.Contains(err.Error(), "mempool is full") }

func isNotFound(err error) bool { return err != nil && strings.Contains(err.Error(), "not found") }

// ErrTxNotFound is returned by Tx for a hash the node does not know.
var ErrTxNotFound = errors.New("transaction not found")

// Tx looks a committed transaction up by hash; ErrTxNotFound if the node
// asked does not have it (WaitTx asks every node before it gives up).
func (c *Client) Tx(ctx context.Context, hash []byte) (*Result, error) {
	res, err := call(ctx, c, func(r rpcclient.Client) (*coretypes.ResultTx, error) { return r.Tx(ctx, hash, false) })
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("%w: %X", ErrTxNotFound, hash)
		}
		return nil, fmt.Errorf("tx %X: %w", hash, err)
	}
	return resultOf(res), nil
}

func resultOf(res *coretypes.ResultTx) *Result {
	r := &Result{Hash: hex.EncodeToString(res.Hash), Height: res.Height, Code: res.TxResult.Code, Log: res.TxResult.Log,
		GasUsed: res.TxResult.GasUsed, Events: res.TxResult.Events, Raw: res}
	if t, err := tx.Decode(res.Tx); err == nil {
		r.Tx = t
		r.Fee = tx.Fee{GasLimit: uint64(res.TxResult.GasUsed), GasPrice: t.Body.Fee.GasPrice}.Max()
	}
	return r
}

// Submit builds and signs a transaction, broadcasts it and waits for its
// commit. The signed bytes are made once: every resend, to this node or
// the next, is of the same bytes, with the same nonce, so the chain
// applies the transaction at most once. An outcome it cannot tell is an
// *UnknownError, never a failure (see Resume).
func (c *Client) Submit(ctx context.Context, key crypto.PrivateKey, msgs []module.Msg, o TxOptions) (*Result, error) {
	t, err := c.Build(ctx, key, msgs, o)
	if err != nil {
		return nil, err
	}
	b, err := t.Encode()
	if err != nil {
		return nil, err
	}
	return c.Resume(ctx, b, o.Timeout)
}

// Send transfers amount from key's account to to.
func (c *Client) Send(ctx context.Context, key crypto.PrivateKey, to crypto.Address, amount pha.Amount, o TxOptions) (*Result, error) {
	return c.Submit(ctx, key, []module.Msg{&bank.MsgSend{To: to, Amount: amount}}, o)
}
