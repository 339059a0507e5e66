package app

import (
	"context"
	"errors"
	"github.com/phalanx-net/phalanx/chain/query"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/store"
)

// appQueries are the queries of the application's own keys.
func appQueries() []module.Query {
	return []module.Query{
		{Path: query.Store, Data: "a raw state key", Key: func(data []byte) ([]byte, error) {
			if len(data) == 0 {
				return nil, errors.New("wants a key")
			}
			return data, nil
		}},
		module.FixedQuery(query.ChainID, chainIDKey),
	}
}

// Query answers a state query at a committed height (0: the latest). The
// answer at height h is proven against the app hash in the header of
// block h+1, which commits to the state after block h.
func (a *App) Query(_ context.Context, req *abci.QueryRequest) (res *abci.QueryResponse, err error) {
	defer recoverIO(&err)
	fail := func(err error) *abci.QueryResponse {
		cs, code, log := module.ABCIInfo(err)
		return &abci.QueryResponse{Code: code, Codespace: cs, Log: log, Height: req.Height}
	}
	q, ok := a.modules.Query(req.Path)
	if !ok {
		return fail(ErrUnknownQuery.Wrap("%q", req.Path)), nil
	}
	listPrefix := q.Prefix
	var key []byte
	if listPrefix == nil {
		if key, err = q.Key(req.Data); err != nil {
			return fail(ErrBadQuery.Wrap("%s %v", req.Path, err)), nil
		}
	} else if req.Prove {
		return fail(ErrBadQuery.Wrap("%s cannot be proven; prove each record by its key", req.Path)), nil
	}
	if req.Height < 0 {
		return fail(ErrBadQuery.Wrap("negative height")), nil
	}
	// Snapshots are immutable: only taking one needs the lock.
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil, ErrClosed
	}
	snap, err := a.tree.Snapshot(req.Height)
	a.mu.Unlock()
	if errors.Is(err, statedb.ErrVersionNotFound) {
		return fail(ErrBadQuery.Wrap("%v", err)), nil
	} else if err != nil {
		return nil, err
	}
	res = &abci.QueryResponse{Key: key, Height: snap.Version()}
	if listPrefix != nil {
		res.Value = listRecords(snap, listPrefix)
		return res, nil
	}
	if !req.Prove {
		res.Value = snap.Get(key)
		return res, nil
	}
	v, proof, err := snap.Prove(key)
	if err != nil {
		return fail(ErrBadQuery.Wrap("%v", err)), nil
	}
	ops, err := store.ProofOps(key, proof)
	if err != nil {
		return nil, err
	}
	res.Value, res.ProofOps = v, ops
	return res, nil
}

// maxListed bounds a list answer, so a query cannot make a node build an
// unbounded response.
const maxListed = 10_000

// listRecords returns the records under prefix as a CBOR array of their
// stored encodings.
func listRecords(r store.Reader, prefix []byte) []byte {
	var vals []codec.RawMessage
	r.Iterate(prefix, func(_, v []byte) bool {
		vals = append(vals, codec.RawMessage(v))
		return len(vals) < maxListed
	})
	return codec.MustMarshal(vals)
}
