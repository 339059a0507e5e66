package worker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/worker/follow"
)

// CheckpointFile is the sealed checkpoint's name in the worker's home.
const CheckpointFile = "checkpoint.sealed"

// checkpoint is what a worker keeps between runs: the last light block
// it verified and how far it processed the chain's messages to it.
type checkpoint struct {
	ChainID    string `cbor:"1,keyasint"`
	LightBlock []byte `cbor:"2,keyasint"`
	// Processed counts the chain-to-enclave messages handled.
	Processed uint64 `cbor:"3,keyasint"`
}

func loadCheckpoint(e *enclave.Enclave, home string) (cp checkpoint, lb *types.LightBlock, err error) {
	sealed, err := os.ReadFile(filepath.Join(home, CheckpointFile))
	if errors.Is(err, fs.ErrNotExist) {
		return checkpoint{}, nil, nil
	} else if err != nil {
		return cp, nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	plain, err := e.UnsealCheckpoint(sealed)
	if err != nil {
		return cp, nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	if err := codec.Unmarshal(plain, &cp); err != nil {
		return cp, nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	if lb, err = follow.DecodeCheckpoint(cp.LightBlock); err != nil {
		return cp, nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	return cp, lb, nil
}

func saveCheckpoint(e *enclave.Enclave, home string, cp checkpoint) error {
	sealed, err := e.SealCheckpoint(codec.MustMarshal(cp))
	if err != nil {
		return fmt.Errorf("seal checkpoint: %w", err)
	}
	return enclave.WriteFileAtomic(filepath.Join(home, CheckpointFile), sealed)
}
