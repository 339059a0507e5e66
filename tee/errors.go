package tee

import (
	"errors"

	"github.com/phalanx-net/phalanx/tee/verify"
)

// Verification errors, as package verify returns them (the same values,
// so errors.Is matches either name).
var (
	ErrUnknownPlatform = verify.ErrUnknownPlatform
	ErrSimNotAllowed   = verify.ErrSimNotAllowed
	ErrInvalidEvidence = verify.ErrInvalidEvidence
	ErrSignature       = verify.ErrSignature
	ErrExpired         = verify.ErrExpired
)

// Platform errors.
var (
	// ErrUnavailable is returned by Open or Attest when this machine does
	// not provide the platform (no configfs-tsm report interface, no SEV
	// guest device, another TEE's provider).
	ErrUnavailable = errors.New("TEE platform unavailable on this machine")
	// ErrUnseal is returned by Unseal for data that was not sealed by this
	// enclave with this additional data, or was altered since.
	ErrUnseal = errors.New("cannot unseal")
	// ErrNotReleased is returned by Seal and Unseal of a platform opened
	// with Options.Released before its sealing root was released.
	ErrNotReleased = errors.New("the sealing root has not been released to this enclave yet")
)
