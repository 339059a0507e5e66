package client

import (
	"context"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/crypto"
)

// ComputingWorker returns a worker's computing record (its score P, value
// V, state and earnings).
func (c *Client) ComputingWorker(ctx context.Context, id crypto.PublicKey) (computing.Worker, error) {
	q, err := c.Get(ctx, "/computing/worker", id[:], 0, false)
	if err != nil {
		return computing.Worker{}, err
	}
	if q.Value == nil {
		return computing.Worker{}, fmt.Errorf("%w: no computing record for %s (no benchmark score yet)", ErrNotFound, id)
	}
	return computing.Decode[computing.Worker](q.Value)
}

// ComputingWorkers lists every computing record.
func (c *Client) ComputingWorkers(ctx context.Context) ([]computing.Worker, error) {
	q, err := c.Get(ctx, "/computing/workers", nil, 0, false)
	if err != nil {
		return nil, err
	}
	var raws []codec.RawMessage
	if err := codec.Unmarshal(q.Value, &raws); err != nil {
		return nil, err
	}
	out := make([]computing.Worker, 0, len(raws))
	for _, r := range raws {
		w, err := computing.Decode[computing.Worker](r)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// ComputingParams returns the economics' parameters.
func (c *Client) ComputingParams(ctx context.Context) (computing.Params, error) {
	q, err := c.Get(ctx, "/computing/params", nil, 0, false)
	if err != nil {
		return computing.Params{}, err
	}
	return computing.Decode[computing.Params](q.Value)
}

// ComputingTotals returns the network-wide sums: Σshare, paid so far.
func (c *Client) ComputingTotals(ctx context.Context) (computing.Totals, error) {
	q, err := c.Get(ctx, "/computing/totals", nil, 0, false)
	if err != nil {
		return computing.Totals{}, err
	}
	return computing.Decode[computing.Totals](q.Value)
}
