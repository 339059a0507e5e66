package follow

import (
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/store"
)

var (
	// ErrVerification is matched (errors.Is) by every failure of a light
	// block to verify: the node served a header, commit or validator set
	// that does not follow from the trusted one. Retrying the same node is
	// pointless; the follower has not moved past the last good height.
	ErrVerification = errors.New("light block does not verify")
	// ErrTrustExpired is returned, beside ErrVerification, when the trusted
	// header (or the genesis) is older than the trusting period: the
	// follower needs a new trust root.
	ErrTrustExpired = errors.New("trusted header is older than the trusting period")
	// ErrBadProof is returned when a state answer does not verify against
	// the trusted app hash. It is the store's error, so errors.Is matches
	// either name.
	ErrBadProof = store.ErrBadProof
	// ErrNoState is returned by Prove before the follower trusts a header
	// that commits to a state it can query (the second block onward).
	ErrNoState = errors.New("no verified state yet")
	// ErrConflict is matched (errors.Is) by a cross-check that found a
	// second validly signed header at a height the follower verified: a
	// light client attack, or validators that signed two histories. No
	// node switch can fix that; the follower has not trusted the header.
	ErrConflict = errors.New("conflicting header")
	// ErrBadCheckpoint is returned for checkpoint bytes that do not decode
	// to a valid light block, or a light block that does not fit the
	// follower's chain.
	ErrBadCheckpoint = errors.New("bad follower checkpoint")
)

// VerificationError says which height failed and why. It matches
// ErrVerification and unwraps to the cause, which is often one of the
// light package's errors (light.ErrInvalidHeader, light.ErrOldHeaderExpired).
type VerificationError struct {
	Height int64
	Err    error
}

func (e *VerificationError) Error() string {
	return fmt.Sprintf("light block %d does not verify: %v", e.Height, e.Err)
}

func (e *VerificationError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrVerification) true for every VerificationError.
func (e *VerificationError) Is(target error) bool { return target == ErrVerification }

func verificationError(height int64, format string, args ...any) error {
	return &VerificationError{Height: height, Err: fmt.Errorf(format, args...)}
}

// ConflictError is a cross-check's finding of a conflicting header at
// Height. It matches ErrConflict and unwraps to the light client's error
// (light.ErrLightClientAttack when its detector verified both headers and
// reported the evidence to the nodes).
type ConflictError struct {
	Height int64
	Err    error
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("header %d conflicts with a witness's: %v", e.Height, e.Err)
}

func (e *ConflictError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrConflict) true for every ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// guard runs fn, which checks data from the node with CometBFT or ICS-23
// code, and turns a panic into an error made by fail: such code is
// written for honest peers in places, and hostile input must end in a
// refusal, not in a crashed worker.
func guard(fn func() error, fail func(p any) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fail(p)
		}
	}()
	return fn()
}
