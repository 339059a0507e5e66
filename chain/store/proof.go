package store

import (
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	ics23 "github.com/cosmos/ics23/go"
)

// ProofOpType names Phalanx's state proofs in ABCI query responses: one
// ICS-23 commitment proof over the IAVL tree whose root is the app hash.
const ProofOpType = "ics23:iavl"

// ErrBadProof is returned when a proof does not show the claimed value
// against the given root.
var ErrBadProof = errors.New("state proof does not verify")

// ProofOps wraps an ICS-23 proof for an ABCI query response.
func ProofOps(key []byte, p *ics23.CommitmentProof) (*cmtcrypto.ProofOps, error) {
	data, err := p.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode proof: %w", err)
	}
	return &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpType, Key: key, Data: data}}}, nil
}

// VerifyProof checks that ops prove key has value (or, for a nil value, is
// absent) in the state whose root hash is root. A query answered at height
// h is checked against the app hash in the header of block h+1.
func VerifyProof(root, key, value []byte, ops *cmtcrypto.ProofOps) error {
	if ops == nil || len(ops.Ops) != 1 {
		return fmt.Errorf("%w: want exactly one proof op", ErrBadProof)
	}
	op := ops.Ops[0]
	if op.Type != ProofOpType {
		return fmt.Errorf("%w: proof type %q, want %q", ErrBadProof, op.Type, ProofOpType)
	}
	if string(op.Key) != string(key) {
		return fmt.Errorf("%w: proof is for another key", ErrBadProof)
	}
	var p ics23.CommitmentProof
	if err := p.Unmarshal(op.Data); err != nil {
		return fmt.Errorf("%w: decode: %v", ErrBadProof, err)
	}
	var ok bool
	if value == nil {
		ok = ics23.VerifyNonMembership(ics23.IavlSpec, root, &p, key)
	} else {
		ok = ics23.VerifyMembership(ics23.IavlSpec, root, &p, key, value)
	}
	if !ok {
		return ErrBadProof
	}
	return nil
}
