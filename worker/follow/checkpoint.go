package follow

import (
	"errors"
	"fmt"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cometbft/cometbft/types"
)

// MaxCheckpointSize bounds what DecodeCheckpoint reads: a light block of
// the largest validator set the follower pages through (10,000) is well
// under it.
const MaxCheckpointSize = 8 << 20

// EncodeCheckpoint encodes a light block (normally Trusted()) so that a
// restarted follower can resume from it with DecodeCheckpoint and New.
// The encoding is CometBFT's LightBlock protobuf. The bytes are a trust
// root: the caller keeps them where the host cannot change them (a worker
// seals them).
func EncodeCheckpoint(lb *types.LightBlock) ([]byte, error) {
	if lb == nil || lb.SignedHeader == nil || lb.ValidatorSet == nil {
		return nil, fmt.Errorf("%w: nothing to encode", ErrBadCheckpoint)
	}
	pb, err := lb.ToProto()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	return pb.Marshal()
}

// DecodeCheckpoint decodes EncodeCheckpoint's bytes and checks the light
// block's consistency (ValidateBasic: the header's hash is the one its
// commit signs, the validator set is the one the header names). It
// returns an error, never panics, on any input. New checks the commit's
// signatures and the chain.
func DecodeCheckpoint(b []byte) (lb *types.LightBlock, err error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadCheckpoint)
	}
	if len(b) > MaxCheckpointSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBadCheckpoint, len(b), MaxCheckpointSize)
	}
	// CometBFT's conversions panic on some input no encoder makes (a
	// validator whose key is neither typed bytes nor a proto key
	// dereferences nil; see the fuzz seed validator-without-pubkey).
	defer func() {
		if r := recover(); r != nil {
			lb, err = nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, r)
		}
	}()
	var pb cmtproto.LightBlock
	if err := pb.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	if lb, err = types.LightBlockFromProto(&pb); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	if lb.SignedHeader == nil || lb.Header == nil || lb.Commit == nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, errors.New("no signed header"))
	}
	if err := lb.ValidateBasic(lb.ChainID); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	return lb, nil
}
