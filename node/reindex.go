package node

import (
	"fmt"
	"log/slog"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/state/indexer"
	"github.com/cometbft/cometbft/state/indexer/block"
	"github.com/cometbft/cometbft/state/txindex"
	"github.com/cometbft/cometbft/store"
	cmttypes "github.com/cometbft/cometbft/types"
)

// reindexWindow is how many of the last blocks reindexTail checks: the
// indexer trails consensus by a block or two, so a crash leaves at most
// the last few unindexed.
const reindexWindow = 100

// reindexTail indexes again the last blocks whose transactions a crash
// left out of the transaction index, before the node starts.
//
// CometBFT v1.0.1 indexes a block's transactions after it commits the
// block, from the event bus (txindex.IndexerService), and indexes the
// block's events before its transactions. A node killed between the
// commit and the index does not replay the block on restart (the
// application has it), and nothing indexes it again: a lookup by hash
// says "not found" for a transaction the chain committed, which a client
// could take for a lost transaction. Its `reindex-event` command does this
// offline for a range the operator gives; it is not a library, so this
// does the same for the tail: it checks each of the last reindexWindow
// blocks (a block and a lookup per transaction: milliseconds) and indexes
// each whose events or transactions are missing from the stored
// FinalizeBlock responses, as that command does.
func reindexTail(c *cmtcfg.Config, log *slog.Logger) error {
	if c.TxIndex.Indexer != "kv" {
		return nil // the node's own index only: null keeps none, psql is another's
	}
	dbs := &dbTracker{log: log.With("module", "db")}
	defer dbs.closeAll(0)
	bdb, err := dbs.provider(&cmtcfg.DBContext{ID: "blockstore", Config: c})
	if err != nil {
		return fmt.Errorf("reindex: open the block store: %w", err)
	}
	bs := store.NewBlockStore(bdb)
	top := bs.Height()
	if top == 0 {
		return nil
	}
	sdb, err := dbs.provider(&cmtcfg.DBContext{ID: "state", Config: c})
	if err != nil {
		return fmt.Errorf("reindex: open the state store: %w", err)
	}
	ss := sm.NewStore(sdb, sm.StoreOptions{DiscardABCIResponses: c.Storage.DiscardABCIResponses})
	ti, bi, _, err := block.IndexerFromConfig(c, dbs.provider, "")
	if err != nil {
		return fmt.Errorf("reindex: open the index: %w", err)
	}
	var missing []int64
	for h := max(bs.Base(), top-reindexWindow+1, 1); h <= top; h++ {
		ok, err := indexed(bs, ti, bi, h)
		if err != nil {
			return fmt.Errorf("reindex: height %d: %w", h, err)
		}
		if !ok {
			missing = append(missing, h)
		}
	}
	for _, h := range missing {
		if err := reindexHeight(bs, ss, ti, bi, h); err != nil {
			// The node can still run; only lookups of this block's
			// transactions by hash miss (clients ask other nodes too).
			log.Warn("a committed block is not in the transaction index and cannot be indexed again", "height", h, "err", err)
			return nil
		}
	}
	if len(missing) > 0 {
		log.Info("indexed again the transactions of blocks a crash left out of the index", "heights", missing)
	}
	return nil
}

// indexed reports whether block h's events and every transaction of it
// are in the index.
func indexed(bs *store.BlockStore, ti txindex.TxIndexer, bi indexer.BlockIndexer, h int64) (bool, error) {
	b, _ := bs.LoadBlock(h)
	if b == nil {
		return false, fmt.Errorf("block %d is not in the block store", h)
	}
	has, err := bi.Has(h)
	if err != nil || !has {
		return false, err
	}
	for _, t := range b.Txs {
		r, err := ti.Get(t.Hash())
		if err != nil {
			return false, err
		}
		if r == nil || r.Height != h {
			return false, nil
		}
	}
	return true, nil
}

// reindexHeight indexes block h's transactions and events from its
// stored FinalizeBlock response.
func reindexHeight(bs *store.BlockStore, ss sm.Store, ti txindex.TxIndexer, bi indexer.BlockIndexer, h int64) error {
	b, _ := bs.LoadBlock(h)
	if b == nil {
		return fmt.Errorf("block %d is not in the block store", h)
	}
	res, err := ss.LoadFinalizeBlockResponse(h)
	if err != nil {
		return fmt.Errorf("its FinalizeBlock response: %w", err)
	}
	if len(res.TxResults) != len(b.Txs) {
		return fmt.Errorf("its FinalizeBlock response has %d results for %d transactions", len(res.TxResults), len(b.Txs))
	}
	if len(b.Txs) > 0 {
		batch := txindex.NewBatch(int64(len(b.Txs)))
		for i, r := range res.TxResults {
			if err := batch.Add(&abci.TxResult{Height: h, Index: uint32(i), Tx: b.Txs[i], Result: *r}); err != nil {
				return err
			}
		}
		if err := ti.AddBatch(batch); err != nil {
			return err
		}
	}
	return bi.Index(cmttypes.EventDataNewBlockEvents{Height: h, Events: res.Events, NumTxs: int64(len(b.Txs))})
}
