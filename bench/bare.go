package bench

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"sync/atomic"

	abci "github.com/cometbft/cometbft/abci/types"
)

// bareApp accepts every transaction and keeps no state: what CometBFT
// alone can commit on this machine. Its app hash changes with each block
// so that blocks differ as in a real chain.
type bareApp struct {
	abci.BaseApplication
	height    int64
	hash      []byte
	committed atomic.Int64
}

func (a *bareApp) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	return &abci.InfoResponse{LastBlockHeight: a.height, LastBlockAppHash: a.hash}, nil
}

func (a *bareApp) CheckTx(context.Context, *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	return &abci.CheckTxResponse{Code: abci.CodeTypeOK, GasWanted: 1}, nil
}

func (a *bareApp) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	res := make([]*abci.ExecTxResult, len(req.Txs))
	for i := range res {
		res[i] = &abci.ExecTxResult{Code: abci.CodeTypeOK}
	}
	var h [8]byte
	binary.BigEndian.PutUint64(h[:], uint64(req.Height))
	sum := sha256.Sum256(h[:])
	a.hash, a.height = sum[:], req.Height
	a.committed.Add(int64(len(req.Txs)))
	return &abci.FinalizeBlockResponse{TxResults: res, AppHash: a.hash}, nil
}
