package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/tx"
)

// DefaultTimeout bounds the wait for a commit when none is given.
const DefaultTimeout = 30 * time.Second

// indexGrace is how long a lookup by hash waits, after a node said that
// the transaction's nonce is spent, for the transaction to show in the
// index: CometBFT indexes a block's transactions a moment after it
// commits the block, and the nonce may be spent by these very bytes.
const indexGrace = 2 * time.Second

// pollInterval is the pause between two lookups of a hash.
const pollInterval = 150 * time.Millisecond

// resendAfter is how often a wait sends the same bytes again while they
// are not in a block: the node that took them may have stalled without
// passing them on, and a client whose transport fails over by itself
// (one URL behind a balancer, a worker's failover transport) may be
// talking to another node by now. Sending them again is harmless: a node
// that holds them answers that they are in its cache.
const resendAfter = 5 * time.Second

// Broadcast sends signed transaction bytes and returns their hash once a
// node holds them: admitted to its mempool, or there already (CometBFT's
// "tx already exists in cache": it is pending, or committed). A node that
// gives no answer is passed over for the next with the same bytes. It
// returns the node's refusal as *TxError (nothing was applied),
// ErrMempoolFull when no node had room, and an *UnknownError when a node
// may have received the bytes but none said it holds them.
func (c *Client) Broadcast(ctx context.Context, txBytes []byte) ([]byte, error) {
	s, err := c.broadcast(ctx, txBytes)
	return s.hash, err
}

// WaitTx waits until the transaction with this hash is in a block and
// returns its result; a failure in the block is returned as *TxError
// beside the result. If it sees no commit in time (default
// DefaultTimeout), it asks every node for the hash and, if none has it,
// returns an *UnknownError that matches ErrTimeout: the transaction may
// still be committed.
func (c *Client) WaitTx(ctx context.Context, hash []byte, timeout time.Duration) (*Result, error) {
	return c.wait(ctx, hash, nil, timeout)
}

// Resume sends signed transaction bytes (again) and waits for their
// commit: the way to settle an *UnknownError from its Tx, or to send a
// transaction signed elsewhere. Sending the same bytes any number of
// times, to any nodes, applies them at most once: they carry one nonce.
// Bytes the chain committed already return their result at once (with
// AlreadySent set when this call did not send them first).
func (c *Client) Resume(ctx context.Context, txBytes []byte, timeout time.Duration) (*Result, error) {
	s, err := c.broadcast(ctx, txBytes)
	if err != nil {
		return nil, err
	}
	r := s.found
	if r == nil {
		if r, err = c.wait(ctx, s.hash, txBytes, timeout); r == nil {
			return nil, err
		}
	}
	r.AlreadySent = s.dup
	return r, resultErr(r)
}

// sent is what broadcast learned.
type sent struct {
	hash []byte
	// found is the committed result, when a lookup found it already.
	found *Result
	// dup: the first node to answer held the bytes before this client
	// could have given them to any node.
	dup bool
}

// broadcast sends raw to the nodes in turn until one holds it. A client
// of one node sends twice, so that a connection broken once is not the
// end. Only an answer ends the round early: a refusal is the chain's word
// and is not asked again elsewhere.
func (c *Client) broadcast(ctx context.Context, raw []byte) (sent, error) {
	s := sent{hash: cmttypes.Tx(raw).Hash()}
	n := c.nodes
	tries := max(len(n.list), 2)
	start := n.current()
	// maybe is set once a node may have received the bytes without
	// saying so: from then on no error is a failure until the hash is
	// looked up.
	maybe := false
	noAnswer := &NoAnswerError{}
	var busy []error // nodes that answered but could not take the bytes
	unknown := func(why error) (sent, error) {
		if r := c.lookup(ctx, s.hash, 0); r != nil {
			s.found = r
			return s, nil
		}
		return s, &UnknownError{Hash: s.hash, Tx: raw, Err: why}
	}
	for k := range tries {
		i := (start + k) % len(n.list)
		e := n.list[i]
		if err := c.checkChain(ctx, e); err != nil {
			if !isTransport(err) {
				if maybe {
					return unknown(err)
				}
				return s, err
			}
			noAnswer.add(e.url, err)
			continue
		}
		res, err := e.rpc.BroadcastTxSync(ctx, raw)
		if err == nil && res.Code != 0 {
			err = &TxError{Codespace: res.Codespace, Code: res.Code, Log: res.Log}
		}
		switch {
		case err == nil:
			n.setCurrent(i)
			return s, nil
		case isInMempool(err):
			n.setCurrent(i)
			s.dup = !maybe
			return s, nil
		case isTransport(err):
			noAnswer.add(e.url, err)
			maybe = maybe || !notSent(err)
			if ctx.Err() != nil {
				// No time left to look the hash up.
				if maybe {
					return s, &UnknownError{Hash: s.hash, Tx: raw, Err: fmt.Errorf("broadcast: %w", ctx.Err())}
				}
				return s, fmt.Errorf("broadcast: %w", noAnswer)
			}
		case isMempoolFull(err):
			busy = append(busy, fmt.Errorf("%s: %w: %v", e.url, ErrMempoolFull, err))
		case isBusy(err):
			busy = append(busy, fmt.Errorf("%s: %w", e.url, err))
		default:
			if te := refusalOf(err); te != nil {
				err = te
			}
			if !maybe {
				// These very bytes may have been committed before (sent by
				// an earlier call, and gone from the node's cache since):
				// their spent nonce is then their own doing.
				if errors.Is(err, tx.ErrStaleNonce) {
					if r := c.lookup(ctx, s.hash, 0); r != nil {
						s.found, s.dup = r, true
						return s, nil
					}
				}
				// The chain's refusal of bytes no node had: nothing applied.
				return s, err
			}
			return c.refusedAfterSend(ctx, s, raw, "an earlier node gave no answer, and "+e.url+" refused the resend", err)
		}
	}
	if maybe {
		return unknown(fmt.Errorf("broadcast: %w", errors.Join(append([]error{noAnswer}, busy...)...)))
	}
	if len(busy) > 0 {
		if len(noAnswer.Errs) > 0 {
			busy = append(busy, noAnswer)
		}
		return s, fmt.Errorf("broadcast: %w", errors.Join(busy...))
	}
	return s, fmt.Errorf("broadcast: %w", noAnswer)
}

// refusedAfterSend settles a refusal of bytes that an earlier node may
// have received (how says in what way, for the error): the refusal
// does not say that the earlier copy failed.
// If the hash is on chain, that is the outcome. If the refusal is a spent
// nonce and the hash is not on chain after indexGrace, another
// transaction took the nonce and these bytes can never apply: a definite
// failure. Any other refusal leaves the outcome unknown (the earlier node
// may still hold the bytes and commit them).
func (c *Client) refusedAfterSend(ctx context.Context, s sent, raw []byte, how string, refusal error) (sent, error) {
	grace := time.Duration(0)
	if errors.Is(refusal, tx.ErrStaleNonce) {
		grace = indexGrace
	}
	if r := c.lookup(ctx, s.hash, grace); r != nil {
		s.found = r
		return s, nil
	}
	if errors.Is(refusal, tx.ErrStaleNonce) {
		return s, refusal
	}
	return s, &UnknownError{Hash: s.hash, Tx: raw, Err: fmt.Errorf("%s: %w", how, refusal)}
}

// wait polls for hash until it is in a block or timeout passes, asking
// the node that answered last and, when it gives no answer, the next. If
// raw is known, it is sent again to a new node and every resendAfter:
// the node that had the bytes may have died or stalled before it passed
// them on. A refusal of such a resend ends the wait as refusedAfterSend
// settles it (the commit found, a spent nonce, or unknown), rather than
// at the timeout. Before it gives up it asks every node.
func (c *Client) wait(ctx context.Context, hash, raw []byte, timeout time.Duration) (*Result, error) {
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	last := c.nodes.current()
	var lastErr error
	resend := time.Now().Add(resendAfter)
	for {
		r, err := c.Tx(ctx, hash)
		if err == nil {
			return r, resultErr(r)
		}
		if !errors.Is(err, ErrTxNotFound) {
			// No answer, or an odd one: the nodes may come back; keep
			// asking until the deadline.
			lastErr = err
		}
		if cur := c.nodes.current(); raw != nil && (cur != last || time.Now().After(resend)) {
			last, resend = cur, time.Now().Add(resendAfter)
			if refusal := c.resend(ctx, c.nodes.list[cur], raw); refusal != nil {
				// The node does not hold the bytes (any more): they were
				// committed, or dropped when a block made them invalid.
				// Waiting on would only run the clock out on bytes that
				// may never commit (a worker would stall on them).
				s, err := c.refusedAfterSend(ctx, sent{hash: hash}, raw, "a node took the bytes, and "+c.nodes.list[cur].url+" refused them when they were sent again", refusal)
				if s.found != nil {
					return s.found, resultErr(s.found)
				}
				return nil, err
			}
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(pollInterval):
		}
	}
	why := fmt.Errorf("%w: not seen in a block after %s", ErrTimeout, timeout)
	if ctx.Err() != nil {
		why = fmt.Errorf("stopped waiting for the commit: %w", ctx.Err())
	} else if r := c.lookup(ctx, hash, 0); r != nil {
		return r, resultErr(r)
	}
	if lastErr != nil {
		why = fmt.Errorf("%w (last error: %v)", why, lastErr)
	}
	return nil, &UnknownError{Hash: hash, Tx: raw, Err: why}
}

// resend sends raw again to e during a wait and returns the node's
// refusal of it, or nil: an answer that it holds the bytes, no answer at
// all, or a node too busy to check them says nothing about their fate,
// and the lookups go on.
func (c *Client) resend(ctx context.Context, e *endpoint, raw []byte) error {
	res, err := e.rpc.BroadcastTxSync(ctx, raw)
	if err == nil && res.Code != 0 {
		err = &TxError{Codespace: res.Codespace, Code: res.Code, Log: res.Log}
	}
	if err == nil || isInMempool(err) || isTransport(err) || isMempoolFull(err) || isBusy(err) || ctx.Err() != nil {
		return nil
	}
	if te := refusalOf(err); te != nil {
		return te
	}
	return err
}

// lookup asks every node for hash, for up to grace (at least once each),
// and returns the result of the first that has it, or nil.
func (c *Client) lookup(ctx context.Context, hash []byte, grace time.Duration) *Result {
	deadline := time.Now().Add(grace)
	for {
		for _, e := range c.nodes.list {
			if c.checkChain(ctx, e) != nil {
				continue
			}
			if res, err := e.rpc.Tx(ctx, hash, false); err == nil {
				return resultOf(res)
			}
		}
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pollInterval):
		}
	}
}

// resultErr is the *TxError of a transaction that failed in its block.
func resultErr(r *Result) error {
	if r.Code == 0 {
		return nil
	}
	return &TxError{Codespace: r.Raw.TxResult.Codespace, Code: r.Code, Log: r.Log, Height: r.Height}
}

// isInMempool recognizes CometBFT's answers for bytes a node holds
// already (pending, or committed and still in its cache).
func isInMempool(err error) bool {
	return strings.Contains(err.Error(), "tx already exists in cache") ||
		strings.Contains(err.Error(), "transaction already in mempool")
}

// isBusy recognizes a node that answered but cannot take transactions
// now: it is catching up with the chain, or rechecking its mempool.
func isBusy(err error) bool {
	return strings.Contains(err.Error(), "endpoint is closed while node is catching up") ||
		strings.Contains(err.Error(), "still rechecking after a new committed block")
}
