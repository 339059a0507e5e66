package client

import (
	"context"
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/query"
)

// GovParams returns governance's parameters.
func (c *Client) GovParams(ctx context.Context) (gov.Params, error) {
	q, err := c.Get(ctx, query.GovParams, nil, 0, false)
	if err != nil {
		return gov.Params{}, err
	}
	if q.Value == nil {
		return gov.DefaultParams(), nil
	}
	var p gov.Params
	err = codec.Unmarshal(q.Value, &p)
	return p, err
}

// Proposal returns a proposal; ok is false when there is none of that id.
func (c *Client) Proposal(ctx context.Context, id uint64) (gov.Proposal, bool, error) {
	q, err := c.Get(ctx, query.Proposal, binary.BigEndian.AppendUint64(nil, id), 0, false)
	if err != nil || q.Value == nil {
		return gov.Proposal{}, false, err
	}
	p, err := gov.DecodeProposal(q.Value)
	return p, err == nil, err
}

// Proposals lists every proposal, in id order.
func (c *Client) Proposals(ctx context.Context) ([]gov.Proposal, error) {
	return list(ctx, c, query.Proposals, gov.DecodeProposal)
}

// Votes lists the votes on the open proposals.
func (c *Client) Votes(ctx context.Context) ([]gov.Vote, error) {
	return list(ctx, c, query.Votes, gov.DecodeVote)
}

// Deposits lists the deposits on the open proposals.
func (c *Client) Deposits(ctx context.Context) ([]gov.Deposit, error) {
	return list(ctx, c, query.Deposits, gov.DecodeDeposit)
}

// Tally returns a proposal's count: its final one once decided, else a
// running one, counted here as the chain will count it, from its votes
// and the staking ledger as they are now.
func (c *Client) Tally(ctx context.Context, id uint64) (gov.TallyResult, error) {
	p, ok, err := c.Proposal(ctx, id)
	if err != nil {
		return gov.TallyResult{}, err
	}
	if !ok {
		return gov.TallyResult{}, gov.ErrNoProposal.Wrap("%d", id)
	}
	if p.Tally != nil {
		return *p.Tally, nil
	}
	votes, err := c.Votes(ctx)
	if err != nil {
		return gov.TallyResult{}, err
	}
	var mine []gov.Vote
	for _, v := range votes {
		if v.Proposal == id {
			mine = append(mine, v)
		}
	}
	cands, err := c.Candidates(ctx)
	if err != nil {
		return gov.TallyResult{}, err
	}
	noms, err := c.Nominations(ctx)
	if err != nil {
		return gov.TallyResult{}, err
	}
	t := gov.NewTallier(mine)
	for _, cand := range cands {
		t.Candidate(cand)
	}
	for _, n := range noms {
		t.Nomination(n)
	}
	return t.Result(), nil
}

// Upgrade returns the software upgrade governance planned, if any.
func (c *Client) Upgrade(ctx context.Context) (gov.Upgrade, bool, error) {
	q, err := c.Get(ctx, query.Upgrade, nil, 0, false)
	if err != nil || q.Value == nil {
		return gov.Upgrade{}, false, err
	}
	u, err := gov.DecodeUpgrade(q.Value)
	return u, err == nil, err
}
