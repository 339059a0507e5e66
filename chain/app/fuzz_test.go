package app

import (
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/pha"
)

// FuzzBlock feeds arbitrary transaction bytes to CheckTx and to
// FinalizeBlock: neither may panic or return an error (only a broken
// invariant or database may), and the supply must stay whole.
func FuzzBlock(f *testing.F) {
	f.Add(sendTx(f, alice, 0, bob.Public().Address(), pha.Tokens(1)), []byte("junk"))
	f.Add([]byte{}, []byte{0xa2, 0x01, 0xa0, 0x02, 0x40})
	h := newHarness(f)
	f.Fuzz(func(t *testing.T, tx1, tx2 []byte) {
		for _, b := range [][]byte{tx1, tx2} {
			if _, err := h.app.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: b}); err != nil {
				t.Fatalf("CheckTx: %v", err)
			}
		}
		res, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: h.height + 1, Txs: [][]byte{tx1, tx2}})
		if err != nil {
			t.Fatalf("FinalizeBlock: %v", err)
		}
		if len(res.TxResults) != 2 {
			t.Fatalf("%d results for 2 txs", len(res.TxResults))
		}
		if _, err := h.app.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
			t.Fatal(err)
		}
		h.height++
		if err := h.app.bank.CheckSupply(h.app.tree); err != nil {
			t.Fatal(err)
		}
	})
}
