package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// resendAfter is how long submit waits for a broadcast transaction to
// be committed before it sends the same bytes again: the node that took
// it may have stalled without passing it on, and the worker may have
// switched to another node since.
const resendAfter = 5 * time.Second

// submit signs msgs from the operator once and has the chain commit them:
// it broadcasts the signed bytes and waits for the transaction by hash.
// When a broadcast fails, or the transaction does not show up in time, it
// sends the same bytes again (the failover client sends them to the next
// node), so the transaction keeps its nonce and cannot apply twice; and it
// looks the transaction up by hash before calling it failed, since a node
// that did not answer may still have passed it on.
func (w *Worker) submit(ctx context.Context, msgs []module.Msg, o client.TxOptions) (*client.Result, error) {
	t, err := w.client.Build(ctx, w.cfg.Operator, msgs, o)
	if err != nil {
		return nil, err
	}
	b, err := t.Encode()
	if err != nil {
		return nil, err
	}
	hash := types.Tx(b).Hash()
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		_, berr := w.client.Broadcast(ctx, b)
		if berr != nil && !inCache(berr) {
			// A refusal (a nonce already used: by this very transaction,
			// committed through a node that then failed?) or no node
			// answered: either way, the chain may have it already.
			if r, err := w.committed(ctx, hash); r != nil || err != nil {
				return r, err
			}
			return nil, berr
		}
		wait := min(resendAfter, time.Until(deadline))
		r, err := w.client.WaitTx(ctx, hash, max(wait, time.Millisecond))
		if !errors.Is(err, client.ErrTimeout) {
			return r, err
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		w.log.Debug("transaction not committed yet; sending it again", "hash", fmt.Sprintf("%X", hash), "node", w.nodeName())
	}
}

// committed returns the committed transaction with this hash, and its
// failure in the block as *client.TxError; nil and nil when the chain
// does not have it (or no node can say).
func (w *Worker) committed(ctx context.Context, hash []byte) (*client.Result, error) {
	r, err := w.client.Tx(ctx, hash)
	if err != nil {
		return nil, nil
	}
	if r.Code != 0 {
		return r, &client.TxError{Codespace: r.Raw.TxResult.Codespace, Code: r.Code, Log: r.Log, Height: r.Height}
	}
	return r, nil
}

// inCache recognizes CometBFT's mempool.ErrTxInCache, which a node answers
// to a transaction it has seen: sent before, or passed on by another node.
func inCache(err error) bool { return strings.Contains(err.Error(), "tx already exists in cache") }
