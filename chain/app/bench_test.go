package app

import (
	"context"
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// benchTransfers signs n transfers from alice (nonces from 0) to bob.
func benchTransfers(b *testing.B, n int) [][]byte {
	txs := make([][]byte, n)
	to := bob.Public().Address()
	for i := range txs {
		txs[i] = sendTx(b, alice, uint64(i), to, pha.Units(uint64(i+1)))
	}
	return txs
}

// BenchmarkCheckTx measures admitting a transfer whose signature is
// already verified (the common case: the sender's node or a previous
// check verified it), i.e. the state work of a mempool check.
func BenchmarkCheckTx(b *testing.B) {
	h := newHarness(b)
	txs := benchTransfers(b, b.N)
	for _, t := range txs {
		h.app.verifyAhead(t)
	}
	b.ResetTimer()
	for i := range b.N {
		res, err := h.app.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: txs[i]})
		if err != nil || res.Code != 0 {
			b.Fatalf("%v %s", err, res.Log)
		}
	}
}

// BenchmarkFinalizeBlock measures executing and committing blocks of
// 1000 transfers with verified signatures, per transfer.
func BenchmarkFinalizeBlock(b *testing.B) {
	h := newHarness(b)
	const block = 1000
	blocks := (b.N + block - 1) / block
	txs := benchTransfers(b, blocks*block)
	for _, t := range txs {
		h.app.verifyAhead(t)
	}
	b.ResetTimer()
	for i := range blocks {
		res := h.block(txs[i*block : (i+1)*block]...)
		if res[0].Code != 0 {
			b.Fatal(res[0].Log)
		}
	}
}

// BenchmarkVerify measures one signature check, and one in a batch of 64.
func BenchmarkVerify(b *testing.B) {
	txs := benchTransfers(b, 64)
	b.Run("single", func(b *testing.B) {
		for i := range b.N {
			h := newSigless()
			h.verifyAhead(txs[i%64])
		}
	})
	b.Run(fmt.Sprintf("batch%d", 64), func(b *testing.B) {
		for range b.N / 64 {
			newSigless().verifyBatch(txs)
		}
	})
	_ = crypto.Address{}
}
