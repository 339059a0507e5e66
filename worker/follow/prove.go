package follow

import (
	"context"
	"fmt"
	"github.com/phalanx-net/phalanx/chain/query"

	cmtcrypto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	rpcclient "github.com/cometbft/cometbft/rpc/client"

	"github.com/phalanx-net/phalanx/chain/store"
)

// Prove reads one state key as of the trusted header: the state after
// block Trusted().Height-1, whose root is the trusted header's app hash.
// It returns the value (nil when the proof shows the key is absent; an
// empty, non-nil slice for a key that holds an empty value) and the state
// height it was read at. A node that answers without a proof, at another
// height, or with a value the proof does not show gets ErrBadProof.
func (f *Follower) Prove(ctx context.Context, key []byte) (value []byte, height int64, err error) {
	lb := f.Trusted()
	// A query at height 0 would mean "latest" to the node, so the first
	// block (whose app hash is the genesis state's) has nothing to ask for.
	if lb == nil || lb.Height < 2 {
		return nil, 0, ErrNoState
	}
	if len(key) == 0 {
		return nil, 0, fmt.Errorf("prove: empty key")
	}
	height = lb.Height - 1
	res, err := f.rpc.ABCIQueryWithOptions(ctx, query.Store, key, rpcclient.ABCIQueryOptions{Height: height, Prove: true})
	if err != nil {
		return nil, 0, fmt.Errorf("query %q at %d: %w", key, height, err)
	}
	r := res.Response
	if r.Code != 0 {
		// A refusal proves nothing either way; the state may have been
		// pruned on that node.
		return nil, 0, fmt.Errorf("query %q at %d refused: code %d (%s): %s", key, height, r.Code, r.Codespace, r.Log)
	}
	if r.Height != height {
		return nil, 0, fmt.Errorf("%w: key %q: answered at height %d, asked %d", ErrBadProof, key, r.Height, height)
	}
	root := lb.AppHash
	if len(r.Value) > 0 {
		if err := verifyProof(root, key, r.Value, r.ProofOps); err != nil {
			return nil, 0, fmt.Errorf("key %q at %d: %w", key, height, err)
		}
		return r.Value, height, nil
	}
	// An empty value on the wire is either an absent key or a key holding
	// an empty value; the proof tells which, and only one can verify.
	if err := verifyProof(root, key, nil, r.ProofOps); err == nil {
		return nil, height, nil
	}
	if err := verifyProof(root, key, []byte{}, r.ProofOps); err != nil {
		return nil, 0, fmt.Errorf("key %q at %d: %w", key, height, err)
	}
	return []byte{}, height, nil
}

func verifyProof(root, key, value []byte, ops *cmtcrypto.ProofOps) error {
	return guard(func() error { return store.VerifyProof(root, key, value, ops) }, func(p any) error {
		return fmt.Errorf("%w: verification panicked: %v", ErrBadProof, p)
	})
}
