package app

import (
	"context"
	"errors"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Query paths. Each names one state key, so every answer can come with a
// proof; the value is the key's raw stored bytes (canonical CBOR), decoded
// by the client with the module's Decode function.
const (
	QueryStore   = "/store"        // data: a raw state key
	QueryAccount = "/auth/account" // data: a 20-byte address
	QueryParams  = "/auth/params"
	QueryBalance = "/bank/balance" // data: a 20-byte address
	QuerySupply  = "/bank/supply"
	QueryChainID = "/app/chain_id"
)

// QueryKey maps a query path and its data to the state key it reads.
func QueryKey(path string, data []byte) ([]byte, error) {
	addr := func() (crypto.Address, error) {
		a, err := crypto.AddressFromBytes(data)
		if err != nil {
			return a, ErrBadQuery.Wrap("%s wants a 20-byte address: %v", path, err)
		}
		return a, nil
	}
	switch path {
	case QueryStore:
		if len(data) == 0 {
			return nil, ErrBadQuery.Wrap("%s wants a key", path)
		}
		return data, nil
	case QueryAccount:
		a, err := addr()
		return auth.AccountKey(a), err
	case QueryBalance:
		a, err := addr()
		return bank.BalanceKey(a), err
	case QueryParams:
		return auth.ParamsKey(), nil
	case QuerySupply:
		return bank.SupplyKey(), nil
	case QueryChainID:
		return chainIDKey, nil
	}
	return nil, ErrUnknownQuery.Wrap("%q", path)
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
	key, err := QueryKey(req.Path, req.Data)
	if err != nil {
		return fail(err), nil
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
	if errors.Is(err, store.ErrVersionNotFound) {
		return fail(ErrBadQuery.Wrap("%v", err)), nil
	} else if err != nil {
		return nil, err
	}
	res = &abci.QueryResponse{Key: key, Height: snap.Version()}
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
