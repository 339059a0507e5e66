package follow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"
	"github.com/cometbft/cometbft/types"
)

// errBatchTooLarge is a node's refusal of a batch above its
// max_request_batch_size; Sync halves the batch and goes on.
var errBatchTooLarge = errors.New("node refused the batch size")

// fetchHeaders returns the signed headers of heights from..to, in order.
// Nothing here is trusted: verifyNext checks each header, including that
// it is the height asked for.
func (f *Follower) fetchHeaders(ctx context.Context, from, to int64) ([]*types.SignedHeader, error) {
	n := int(to - from + 1)
	out := make([]*types.SignedHeader, n)
	if f.http == nil || n == 1 {
		for i := range out {
			h := from + int64(i)
			res, err := f.rpc.Commit(ctx, &h)
			if err != nil {
				return nil, fmt.Errorf("signed header %d: %w", h, err)
			}
			if out[i], err = signedHeader(res, h); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	b := f.http.NewBatch()
	results := make([]*coretypes.ResultCommit, n)
	for i := range results {
		h := from + int64(i)
		// A batch call only queues the request; the result is filled in
		// by Send.
		r, err := b.Commit(ctx, &h)
		if err != nil {
			return nil, fmt.Errorf("signed header %d: %w", h, err)
		}
		results[i] = r
	}
	answers, err := b.Send(ctx)
	if err != nil {
		return nil, fmt.Errorf("signed headers %d..%d: %w", from, to, err)
	}
	if len(answers) != n {
		// A node that refuses the whole batch answers with one error
		// instead of one result per request.
		if len(answers) == 1 {
			if e, ok := answers[0].(*rpctypes.RPCError); ok {
				if strings.Contains(e.Data, "batch request exceeds maximum") {
					return nil, fmt.Errorf("%w: %d requests: %v", errBatchTooLarge, n, e)
				}
				return nil, fmt.Errorf("signed headers %d..%d: %w", from, to, e)
			}
		}
		return nil, fmt.Errorf("signed headers %d..%d: %d answers to %d requests", from, to, len(answers), n)
	}
	for i, r := range results {
		if out[i], err = signedHeader(r, from+int64(i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// signedHeader extracts the signed header from a commit answer. A node
// that does not have the block yet may answer with an empty one.
func signedHeader(r *coretypes.ResultCommit, h int64) (*types.SignedHeader, error) {
	if r == nil || r.Header == nil || r.Commit == nil {
		return nil, fmt.Errorf("signed header %d: the node has none", h)
	}
	sh := r.SignedHeader
	return &sh, nil
}

// maxValidatorPages bounds the pages read for one validator set, so a
// node cannot keep the follower paging forever (10,000 validators at 100
// a page, as CometBFT's light provider).
const maxValidatorPages = 100

// validators returns the validator set whose hash is want, from the cache
// or from the node at height h. The set is not trusted because of where
// it came from: the caller verifies the header that names it, and a set
// whose hash is not want fails that verification.
func (f *Follower) validators(ctx context.Context, h int64, want []byte) (*types.ValidatorSet, error) {
	if vs, ok := f.vals[string(want)]; ok {
		return vs, nil
	}
	perPage := 100
	var vals []*types.Validator
	total := -1
	for page := 1; len(vals) != total; page++ {
		if page > maxValidatorPages {
			return nil, fmt.Errorf("validators at %d: more than %d pages", h, maxValidatorPages)
		}
		res, err := f.rpc.Validators(ctx, &h, &page, &perPage)
		if err != nil {
			return nil, fmt.Errorf("validators at %d: %w", h, err)
		}
		if res.BlockHeight != h || len(res.Validators) == 0 || res.Total <= 0 || (total >= 0 && res.Total != total) {
			return nil, fmt.Errorf("validators at %d: malformed answer (height %d, %d on page %d of total %d)", h, res.BlockHeight, len(res.Validators), page, res.Total)
		}
		total = res.Total
		vals = append(vals, res.Validators...)
		if len(vals) > total {
			return nil, fmt.Errorf("validators at %d: more validators than the total %d", h, total)
		}
	}
	// ValidatorSetFromExistingValidators panics when the powers add up
	// past the maximum; a node must not be able to do that to us.
	var power int64
	for i, v := range vals {
		if v == nil || v.VotingPower <= 0 || v.VotingPower > types.MaxTotalVotingPower-power {
			return nil, verificationError(h, "validator set: validator %d is missing or its power is out of range", i)
		}
		power += v.VotingPower
	}
	vs, err := types.ValidatorSetFromExistingValidators(vals)
	if err != nil {
		return nil, verificationError(h, "validator set: %v", err)
	}
	f.opts.Log.Info("validator set fetched", "height", h, "validators", vs.Size(), "hash", fmt.Sprintf("%X", vs.Hash()))
	f.cacheVals(vs)
	return vs, nil
}

// maxCachedSets bounds the validator set cache; sets change rarely, and
// the one in use is always put back.
const maxCachedSets = 16

// cacheVals remembers vs under its own hash, so an entry is always the
// set its key names, whoever supplied it.
func (f *Follower) cacheVals(vs *types.ValidatorSet) {
	if len(f.vals) >= maxCachedSets {
		clear(f.vals)
	}
	f.vals[string(vs.Hash())] = vs
}
