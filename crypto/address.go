package crypto

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/phalanx-net/phalanx/crypto/domain"
)

// AddressPrefix is the bech32 human-readable part of every Phalanx address.
const AddressPrefix = "pha"

// AddressLen is the length of an address in bytes.
const AddressLen = 20

// Address identifies an account: the first 20 bytes of SHA-256 over its
// ed25519 public key, or of a module's name for module accounts.
type Address [AddressLen]byte

// AddressOf returns the address of an account public key.
func AddressOf(pub PublicKey) Address {
	sum := sha256.Sum256(pub[:])
	var a Address
	copy(a[:], sum[:AddressLen])
	return a
}

// ModuleAddress returns the address of a module account, such as the fee
// collector or the reward pool. Nobody holds a private key for it: the hash
// input is not a public key, so only the module's code moves its funds.
func ModuleAddress(name string) Address {
	sum := sha256.Sum256([]byte(domain.ModuleAccount + name))
	var a Address
	copy(a[:], sum[:AddressLen])
	return a
}

// String returns the bech32 form, "pha1...".
func (a Address) String() string {
	conv, err := bech32.ConvertBits(a[:], 8, 5, true)
	if err != nil { // cannot happen for 8→5 with padding
		panic(err)
	}
	s, err := bech32.Encode(AddressPrefix, conv)
	if err != nil { // cannot happen: the prefix and length are fixed
		panic(err)
	}
	return s
}

// IsZero reports whether a is the all-zero address.
func (a Address) IsZero() bool { return a == Address{} }

// ParseAddress parses the bech32 form of an address.
func ParseAddress(s string) (Address, error) {
	hrp, data, err := bech32.Decode(s)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %q: %v", ErrBadAddress, s, err)
	}
	if hrp != AddressPrefix {
		return Address{}, fmt.Errorf("%w: %q has prefix %q, want %q", ErrBadAddress, s, hrp, AddressPrefix)
	}
	raw, err := bech32.ConvertBits(data, 5, 8, false)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %q: %v", ErrBadAddress, s, err)
	}
	return AddressFromBytes(raw)
}

// AddressFromBytes checks the length of raw and returns it as an address.
func AddressFromBytes(raw []byte) (Address, error) {
	var a Address
	if len(raw) != AddressLen {
		return a, fmt.Errorf("%w: %d bytes, want %d", ErrBadAddress, len(raw), AddressLen)
	}
	copy(a[:], raw)
	return a, nil
}

// MarshalText implements encoding.TextMarshaler (used by JSON).
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (used by JSON).
func (a *Address) UnmarshalText(b []byte) error {
	p, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = p
	return nil
}

var _ json.Marshaler = Address{}

// MarshalJSON writes the bech32 form.
func (a Address) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// Bytes returns the address as a byte slice.
func (a Address) Bytes() []byte { return append([]byte(nil), a[:]...) }
