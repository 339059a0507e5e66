package app

import (
	"context"
	"encoding/binary"
	"errors"
	"github.com/phalanx-net/phalanx/chain/query"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
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
	case query.Store:
		if len(data) == 0 {
			return nil, ErrBadQuery.Wrap("%s wants a key", path)
		}
		return data, nil
	case query.Account:
		a, err := addr()
		return auth.AccountKey(a), err
	case query.Balance:
		a, err := addr()
		return bank.BalanceKey(a), err
	case query.Params:
		return auth.ParamsKey(), nil
	case query.Supply:
		return bank.SupplyKey(), nil
	case query.ChainID:
		return chainIDKey, nil
	case query.RegistryParams:
		return registry.ParamsKey(), nil
	case query.ComputingParams:
		return computing.ParamsKey(), nil
	case query.ComputingTotals:
		return computing.TotalsKey(), nil
	case query.ComputingWorker:
		id, err := crypto.PublicKeyFromBytes(data)
		if err != nil {
			return nil, ErrBadQuery.Wrap("%s wants a 32-byte identity key: %v", path, err)
		}
		return computing.WorkerKey(id), nil
	case query.Pool:
		if len(data) != 8 {
			return nil, ErrBadQuery.Wrap("%s wants an 8-byte pool id", path)
		}
		return stakepool.PoolKey(binary.BigEndian.Uint64(data)), nil
	case query.Delegation:
		if len(data) != 28 {
			return nil, ErrBadQuery.Wrap("%s wants a pool id (8 bytes) and an address (20)", path)
		}
		return stakepool.DelegationKey(binary.BigEndian.Uint64(data), crypto.Address(data[8:])), nil
	case query.KeysStatus:
		return keys.StatusKey(), nil
	case query.Master:
		if len(data) != 4 {
			return nil, ErrBadQuery.Wrap("%s wants a 4-byte epoch", path)
		}
		return keys.MasterKey(binary.BigEndian.Uint32(data)), nil
	case query.ContractsParams:
		return contracts.ParamsKey(), nil
	case query.Cluster:
		if len(data) != 8 {
			return nil, ErrBadQuery.Wrap("%s wants an 8-byte cluster id", path)
		}
		return contracts.ClusterKey(binary.BigEndian.Uint64(data)), nil
	case query.Code, query.Contract:
		if len(data) != 32 {
			return nil, ErrBadQuery.Wrap("%s wants a 32-byte hash", path)
		}
		if path == query.Code {
			return contracts.CodeKey(contracts.Hash(data)), nil
		}
		return contracts.ContractKey(contracts.Hash(data)), nil
	case query.Command, query.Result:
		if len(data) != 16 {
			return nil, ErrBadQuery.Wrap("%s wants a cluster id and a sequence number, 8 bytes each", path)
		}
		c, seq := binary.BigEndian.Uint64(data), binary.BigEndian.Uint64(data[8:])
		if path == query.Command {
			return contracts.CommandKey(c, seq), nil
		}
		return contracts.ResultKey(c, seq), nil
	case query.Worker, query.Gatekeeper:
		id, err := crypto.PublicKeyFromBytes(data)
		if err != nil {
			return nil, ErrBadQuery.Wrap("%s wants a 32-byte identity key: %v", path, err)
		}
		if path == query.Worker {
			return registry.WorkerKey(id), nil
		}
		return registry.GatekeeperKey(id), nil
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
	listPrefix := map[string][]byte{query.Workers: registry.WorkerPrefix(), query.Gatekeepers: registry.GatekeeperPrefix(),
		query.Clusters: contracts.ClusterPrefix(), query.Contracts: contracts.ContractPrefix(), query.ComputingWorkers: computing.WorkerPrefix(),
		query.Pools: stakepool.PoolPrefix()}[req.Path]
	var key []byte
	if listPrefix == nil {
		if key, err = QueryKey(req.Path, req.Data); err != nil {
			return fail(err), nil
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
