package app

import (
	"context"
	"encoding/binary"
	"errors"

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

	QueryRegistryParams = "/registry/params"
	QueryWorker         = "/registry/worker"     // data: a 32-byte identity key
	QueryGatekeeper     = "/registry/gatekeeper" // data: a 32-byte identity key

	// QueryWorkers lists every worker record (a CBOR array of
	// registry.Enclave). A list has no single-key proof: a client that
	// needs one proves each record with QueryWorker.
	QueryWorkers = "/registry/workers"
	// QueryGatekeepers lists every gatekeeper enclave record, likewise.
	QueryGatekeepers = "/registry/gatekeepers"

	QueryKeysStatus = "/keys/status"
	QueryMaster     = "/keys/master" // data: a 4-byte big-endian epoch

	QueryContractsParams = "/contracts/params"
	QueryCluster         = "/contracts/cluster"  // data: an 8-byte big-endian cluster id
	QueryCode            = "/contracts/code"     // data: a 32-byte code hash
	QueryContract        = "/contracts/contract" // data: a 32-byte contract id
	QueryCommand         = "/contracts/command"  // data: cluster id and sequence, 8 bytes each
	QueryResult          = "/contracts/result"   // data: cluster id and sequence, 8 bytes each
	QueryComputingParams = "/computing/params"
	QueryComputingTotals = "/computing/totals"
	QueryComputingWorker = "/computing/worker" // data: a 32-byte worker identity
	// QueryComputingWorkers lists every computing record, without proof.
	QueryComputingWorkers = "/computing/workers"

	QueryPool       = "/stakepool/pool"       // data: an 8-byte big-endian pool id
	QueryDelegation = "/stakepool/delegation" // data: pool id (8 bytes) and a 20-byte address
	// QueryPools lists every pool, without proof.
	QueryPools = "/stakepool/pools"

	// QueryClusters and QueryContracts list records, without proof.
	QueryClusters  = "/contracts/clusters"
	QueryContracts = "/contracts/contracts"
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
	case QueryRegistryParams:
		return registry.ParamsKey(), nil
	case QueryComputingParams:
		return computing.ParamsKey(), nil
	case QueryComputingTotals:
		return computing.TotalsKey(), nil
	case QueryComputingWorker:
		id, err := crypto.PublicKeyFromBytes(data)
		if err != nil {
			return nil, ErrBadQuery.Wrap("%s wants a 32-byte identity key: %v", path, err)
		}
		return computing.WorkerKey(id), nil
	case QueryPool:
		if len(data) != 8 {
			return nil, ErrBadQuery.Wrap("%s wants an 8-byte pool id", path)
		}
		return stakepool.PoolKey(binary.BigEndian.Uint64(data)), nil
	case QueryDelegation:
		if len(data) != 28 {
			return nil, ErrBadQuery.Wrap("%s wants a pool id (8 bytes) and an address (20)", path)
		}
		return stakepool.DelegationKey(binary.BigEndian.Uint64(data), crypto.Address(data[8:])), nil
	case QueryKeysStatus:
		return keys.StatusKey(), nil
	case QueryMaster:
		if len(data) != 4 {
			return nil, ErrBadQuery.Wrap("%s wants a 4-byte epoch", path)
		}
		return keys.MasterKey(binary.BigEndian.Uint32(data)), nil
	case QueryContractsParams:
		return contracts.ParamsKey(), nil
	case QueryCluster:
		if len(data) != 8 {
			return nil, ErrBadQuery.Wrap("%s wants an 8-byte cluster id", path)
		}
		return contracts.ClusterKey(binary.BigEndian.Uint64(data)), nil
	case QueryCode, QueryContract:
		if len(data) != 32 {
			return nil, ErrBadQuery.Wrap("%s wants a 32-byte hash", path)
		}
		if path == QueryCode {
			return contracts.CodeKey(contracts.Hash(data)), nil
		}
		return contracts.ContractKey(contracts.Hash(data)), nil
	case QueryCommand, QueryResult:
		if len(data) != 16 {
			return nil, ErrBadQuery.Wrap("%s wants a cluster id and a sequence number, 8 bytes each", path)
		}
		c, seq := binary.BigEndian.Uint64(data), binary.BigEndian.Uint64(data[8:])
		if path == QueryCommand {
			return contracts.CommandKey(c, seq), nil
		}
		return contracts.ResultKey(c, seq), nil
	case QueryWorker, QueryGatekeeper:
		id, err := crypto.PublicKeyFromBytes(data)
		if err != nil {
			return nil, ErrBadQuery.Wrap("%s wants a 32-byte identity key: %v", path, err)
		}
		if path == QueryWorker {
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
	listPrefix := map[string][]byte{QueryWorkers: registry.WorkerPrefix(), QueryGatekeepers: registry.GatekeeperPrefix(),
		QueryClusters: contracts.ClusterPrefix(), QueryContracts: contracts.ContractPrefix(), QueryComputingWorkers: computing.WorkerPrefix(),
		QueryPools: stakepool.PoolPrefix()}[req.Path]
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
	if errors.Is(err, store.ErrVersionNotFound) {
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
