package client

import (
	"context"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/crypto"
)

// Candidates lists every candidate for the gatekeeper set.
func (c *Client) Candidates(ctx context.Context) ([]staking.Candidate, error) {
	return list(ctx, c, query.Candidates, staking.DecodeCandidate)
}

// Candidate returns a candidate; ok is false when the account is none.
func (c *Client) Candidate(ctx context.Context, op crypto.Address) (staking.Candidate, bool, error) {
	q, err := c.Get(ctx, query.Candidate, op[:], 0, false)
	if err != nil || q.Value == nil {
		return staking.Candidate{}, false, err
	}
	cand, err := staking.DecodeCandidate(q.Value)
	return cand, err == nil, err
}

// ActiveValidators lists the active set: the validators the last
// election chose.
func (c *Client) ActiveValidators(ctx context.Context) ([]staking.Validator, error) {
	return list(ctx, c, query.ActiveValidators, staking.DecodeValidator)
}

// Nominations lists every nomination.
func (c *Client) Nominations(ctx context.Context) ([]staking.Nomination, error) {
	return list(ctx, c, query.Nominations, staking.DecodeNomination)
}

// StakingParams returns the staking module's parameters.
func (c *Client) StakingParams(ctx context.Context) (staking.Params, error) {
	q, err := c.Get(ctx, query.StakingParams, nil, 0, false)
	if err != nil {
		return staking.Params{}, err
	}
	if q.Value == nil {
		return staking.DefaultParams(), nil
	}
	var p staking.Params
	err = codec.Unmarshal(q.Value, &p)
	return p, err
}
