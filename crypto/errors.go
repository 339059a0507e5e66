package crypto

import "errors"

var (
	// ErrBadAddress is returned for a string or byte slice that is not a
	// Phalanx address.
	ErrBadAddress = errors.New("not a phalanx address")
	// ErrBadPublicKey is returned for a public key of the wrong length.
	ErrBadPublicKey = errors.New("bad ed25519 public key")
	// ErrBadPrivateKey is returned for a private key or seed of the wrong length.
	ErrBadPrivateKey = errors.New("bad ed25519 private key")
)

// ErrBadEncryptionKey is returned for bytes that are not an HPKE public key
// of the Phalanx suite.
var ErrBadEncryptionKey = errors.New("bad HPKE encryption key")
