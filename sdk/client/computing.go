package client

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
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
	return list(ctx, c, "/computing/workers", computing.Decode[computing.Worker])
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

// Pool returns a stake pool.
func (c *Client) Pool(ctx context.Context, id uint64) (stakepool.Pool, error) {
	q, err := c.Get(ctx, "/stakepool/pool", binary.BigEndian.AppendUint64(nil, id), 0, false)
	if err != nil {
		return stakepool.Pool{}, err
	}
	if q.Value == nil {
		return stakepool.Pool{}, fmt.Errorf("%w: pool %d", ErrNotFound, id)
	}
	return stakepool.Decode[stakepool.Pool](q.Value)
}

// Pools lists every stake pool.
func (c *Client) Pools(ctx context.Context) ([]stakepool.Pool, error) {
	return list(ctx, c, "/stakepool/pools", stakepool.Decode[stakepool.Pool])
}

// Delegation returns a delegator's part of a pool (zero if none).
func (c *Client) Delegation(ctx context.Context, pool uint64, d crypto.Address) (stakepool.Delegation, error) {
	q, err := c.Get(ctx, "/stakepool/delegation", append(binary.BigEndian.AppendUint64(nil, pool), d[:]...), 0, false)
	if err != nil {
		return stakepool.Delegation{}, err
	}
	if q.Value == nil {
		return stakepool.Delegation{Pool: pool, Delegator: d}, nil
	}
	return stakepool.Decode[stakepool.Delegation](q.Value)
}
