package crypto

import (
	"crypto/hpke"
	"fmt"
)

// The HPKE suite of every Phalanx envelope (RFC 9180): a hybrid
// post-quantum KEM, so that data recorded today stays confidential if
// X25519 falls, with HKDF-SHA256 and ChaCha20-Poly1305.
var (
	EncryptionKEM  = hpke.MLKEM768X25519()
	EncryptionKDF  = hpke.HKDFSHA256()
	EncryptionAEAD = hpke.ChaCha20Poly1305()
)

// EncryptionPublicKeyLen is the size of a serialized MLKEM768X25519 public
// key: the ML-KEM-768 encapsulation key and the X25519 share.
const EncryptionPublicKeyLen = 1184 + 32

// GenerateEncryptionKey returns a new HPKE key pair of the Phalanx suite.
func GenerateEncryptionKey() (hpke.PrivateKey, error) {
	k, err := EncryptionKEM.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate encryption key: %w", err)
	}
	return k, nil
}

// ParseEncryptionPublicKey checks and decodes a serialized HPKE public key
// of the Phalanx suite.
func ParseEncryptionPublicKey(b []byte) (hpke.PublicKey, error) {
	if len(b) != EncryptionPublicKeyLen {
		return nil, fmt.Errorf("%w: encryption key is %d bytes, want %d", ErrBadEncryptionKey, len(b), EncryptionPublicKeyLen)
	}
	pk, err := EncryptionKEM.NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: encryption key: %v", ErrBadEncryptionKey, err)
	}
	return pk, nil
}
