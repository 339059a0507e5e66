package app

// Retention says how many blocks a node keeps: the app tells CometBFT,
// in each CommitResponse's RetainHeight, below which height it may delete
// blocks (and the state CometBFT keeps per height).
type Retention struct {
	// MinRetainBlocks is how many recent blocks to keep at least; 0 keeps
	// every block.
	MinRetainBlocks int64
	// EvidenceMaxAgeBlocks is the consensus parameter
	// evidence.max_age_num_blocks: evidence of misbehaviour that recent is
	// still valid, and verifying it needs its block.
	EvidenceMaxAgeBlocks int64
}

// RetainHeight returns the retain height after committing height, with
// CometBFT's rule (height - blocks kept) and never above what the evidence
// age or the snapshots still offered need: a node restoring the oldest
// snapshot (snapshotSpan blocks back) fetches the blocks after it. Zero
// means keep everything.
func (r Retention) RetainHeight(height, snapshotSpan int64) int64 {
	if r.MinRetainBlocks <= 0 {
		return 0
	}
	keep := max(r.MinRetainBlocks, r.EvidenceMaxAgeBlocks, snapshotSpan)
	if height-keep <= 0 {
		return 0
	}
	return height - keep
}
