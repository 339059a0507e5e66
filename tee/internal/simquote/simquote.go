// Package simquote is the sim platform's quote format and its simulated
// vendor's public key, shared by the sim attester (package tee) and the
// sim verifier (package tee/verify). The vendor's signing key, whose seed
// is public, is in package simsign, which only the attester links.
package simquote

import (
	"encoding/hex"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// Version is the version of the sim quote format.
const Version = 1

// Context separates sim vendor signatures from every other
// signature in Phalanx.
const Context crypto.Context = domain.SimQuote

// VendorPublicKey is the simulated vendor's public key: the public half
// of simsign.VendorKey, written out so that verifying a sim quote links
// no code that can make one (a test in simsign checks the two agree).
var VendorPublicKey = func() crypto.PublicKey {
	b, err := hex.DecodeString("c5d27b2b8193583ef82bc5882a4864c2abdbc828494aa13bd9c2c9ba3f57d510")
	if err != nil {
		panic(err)
	}
	k, err := crypto.PublicKeyFromBytes(b)
	if err != nil {
		panic(err)
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
