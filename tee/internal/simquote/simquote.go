// Package simquote is the sim platform's quote format and its simulated
// vendor key, shared by the sim attester (package tee) and the sim
// verifier (package tee/verify). The key's seed is public: this package
// lets anyone make sim quotes, which is why a chain accepts them only
// when it allows sim.
package simquote

import (
	"crypto/sha256"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/crypto"
)

// Version is the version of the sim quote format.
const Version = 1

// Context separates sim vendor signatures from every other
// signature in Phalanx.
const Context crypto.Context = "phalanx/tee: sim quote v1"

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

// Body is what the simulated vendor signs.
type Body struct {
	Version     uint32 `cbor:"1,keyasint"`
	Measurement []byte `cbor:"2,keyasint"`
	ReportData  []byte `cbor:"3,keyasint"`
}

// Quote is a sim platform's quote: the body and the vendor's signature
// over its canonical encoding, in canonical CBOR.
type Quote struct {
	Version     uint32 `cbor:"1,keyasint"`
	Measurement []byte `cbor:"2,keyasint"`
	ReportData  []byte `cbor:"3,keyasint"`
	Signature   []byte `cbor:"4,keyasint"`
}

// Body returns what the vendor signed.
func (q Quote) Body() Body {
	return Body{Version: q.Version, Measurement: q.Measurement, ReportData: q.ReportData}
}

// Sign returns a sim quote binding data to measurement.
func Sign(measurement []byte, data [64]byte) ([]byte, error) {
	q := Quote{Version: Version, Measurement: measurement, ReportData: data[:]}
	msg, err := codec.Marshal(q.Body())
	if err != nil {
		return nil, err
	}
	q.Signature = VendorKey.Sign(Context, msg)
	return codec.Marshal(q)
}
