// Package simsign makes sim quotes with the simulated vendor's key. Its
// seed is public: anyone can make sim quotes, which is why a chain accepts
// them only when it allows sim. Only the sim attester (package tee) and
// tests link this package; verifying needs simquote alone.
package simsign

import (
	"crypto/sha256"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/internal/simquote"
)

// vendorSeedText is the public seed of the simulated vendor key.
const vendorSeedText = "phalanx sim vendor key — protects nothing"

// VendorKey is the simulated TEE vendor's signing key. Its seed is
// public (SHA-256 of vendorSeedText), so anyone can sign sim quotes:
// sim evidence proves nothing about the enclave that presents it, and a
// chain accepts it only when it allows sim. That is the point of sim: the
// whole attestation path runs on a laptop, and no one can mistake it for
// security.
var VendorKey = func() crypto.PrivateKey {
	seed := sha256.Sum256([]byte(vendorSeedText))
	k, err := crypto.PrivateKeyFromSeed(seed[:])
	if err != nil {
		panic(err) // a 32-byte seed always makes a key
	}
	return k
}()

// Sign returns a sim quote binding data to measurement.
func Sign(measurement []byte, data [64]byte) ([]byte, error) {
	q := simquote.Quote{Version: simquote.Version, Measurement: measurement, ReportData: data[:]}
	msg, err := codec.Marshal(q.Body())
	if err != nil {
		return nil, err
	}
	q.Signature = VendorKey.Sign(simquote.Context, msg)
	return codec.Marshal(q)
}
