package tee

import (
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/crypto"
)

// SimWarning is what a program running on the sim platform tells its
// operator, at every start-up and in its status output.
const SimWarning = "SIM TEE: no hardware protects this enclave; its keys and data are readable by the machine's owner, and anyone can forge its attestation. Development only."

// SimMeasurementSize is the size of a sim measurement (SHA-384).
const SimMeasurementSize = sha512.Size384

// DefaultSimVersion is the enclave version a sim platform's measurement
// names unless Options say otherwise.
const DefaultSimVersion uint32 = 1

// SimMeasurement returns the simulated measurement of an enclave version:
// SHA-384 of "phalanx sim enclave v<version>". A sim platform cannot
// measure code, and a value that looked like a hash of the binary would
// promise what nothing enforces; naming the version still lets a chain's
// allowlist accept one enclave version and refuse another.
func SimMeasurement(version uint32) []byte {
	h := sha512.Sum384([]byte("phalanx sim enclave v" + strconv.FormatUint(uint64(version), 10)))
	return h[:]
}

// simQuoteVersion is the version of the sim quote format.
const simQuoteVersion = 1

// simQuoteContext separates sim vendor signatures from every other
// signature in Phalanx.
const simQuoteContext crypto.Context = "phalanx/tee: sim quote v1"

// simVendorSeedText is the public seed of the simulated vendor key.
const simVendorSeedText = "phalanx sim vendor key — protects nothing"

// simVendorKey is the simulated TEE vendor's signing key. Its seed is
// public (SHA-256 of simVendorSeedText), so anyone can sign sim quotes:
// sim evidence proves nothing about the enclave that presents it, and a
// chain accepts it only when it allows sim. That is the point of sim: the
// whole attestation path runs on a laptop, and no one can mistake it for
// security.
var simVendorKey = func() crypto.PrivateKey {
	seed := sha256.Sum256([]byte(simVendorSeedText))
	k, err := crypto.PrivateKeyFromSeed(seed[:])
	if err != nil {
		panic(err) // a 32-byte seed always makes a key
	}
	return k
}()

// simQuoteBody is what the simulated vendor signs.
type simQuoteBody struct {
	Version     uint32 `cbor:"1,keyasint"`
	Measurement []byte `cbor:"2,keyasint"`
	ReportData  []byte `cbor:"3,keyasint"`
}

// simQuote is a sim platform's quote: the body and the vendor's signature
// over its canonical encoding, in canonical CBOR.
type simQuote struct {
	Version     uint32 `cbor:"1,keyasint"`
	Measurement []byte `cbor:"2,keyasint"`
	ReportData  []byte `cbor:"3,keyasint"`
	Signature   []byte `cbor:"4,keyasint"`
}

func (q simQuote) body() simQuoteBody {
	return simQuoteBody{Version: q.Version, Measurement: q.Measurement, ReportData: q.ReportData}
}

// signSimQuote returns a sim quote binding data to measurement.
func signSimQuote(measurement []byte, data ReportData) ([]byte, error) {
	q := simQuote{Version: simQuoteVersion, Measurement: measurement, ReportData: data[:]}
	msg, err := codec.Marshal(q.body())
	if err != nil {
		return nil, err
	}
	q.Signature = simVendorKey.Sign(simQuoteContext, msg)
	return codec.Marshal(q)
}

// verifySim checks a sim quote's form and its simulated vendor signature.
// Passing says only that the quote was made with the public sim vendor
// key; Debug is false because a sim enclave has no debug mode, not
// because anything is protected.
func verifySim(ev Evidence) (Verified, error) {
	if len(ev.Collateral) != 0 {
		return Verified{}, fmt.Errorf("%w: sim evidence carries no collateral, got %d bytes", ErrInvalidEvidence, len(ev.Collateral))
	}
	var q simQuote
	if err := codec.Unmarshal(ev.Quote, &q); err != nil {
		return Verified{}, fmt.Errorf("%w: sim quote: %w", ErrInvalidEvidence, err)
	}
	switch {
	case q.Version != simQuoteVersion:
		return Verified{}, fmt.Errorf("%w: sim quote version %d, want %d", ErrInvalidEvidence, q.Version, simQuoteVersion)
	case len(q.Measurement) != SimMeasurementSize:
		return Verified{}, fmt.Errorf("%w: sim measurement of %d bytes, want %d", ErrInvalidEvidence, len(q.Measurement), SimMeasurementSize)
	case len(q.ReportData) != ReportDataSize:
		return Verified{}, fmt.Errorf("%w: sim report data of %d bytes, want %d", ErrInvalidEvidence, len(q.ReportData), ReportDataSize)
	case len(q.Signature) != crypto.SignatureLen:
		return Verified{}, fmt.Errorf("%w: sim signature of %d bytes, want %d", ErrInvalidEvidence, len(q.Signature), crypto.SignatureLen)
	}
	msg, err := codec.Marshal(q.body())
	if err != nil {
		return Verified{}, fmt.Errorf("%w: sim quote: %w", ErrInvalidEvidence, err)
	}
	if !crypto.Verify(simVendorKey.Public(), simQuoteContext, msg, q.Signature) {
		return Verified{}, fmt.Errorf("%w: sim quote signature", ErrSignature)
	}
	v := Verified{Platform: Sim, Measurement: q.Measurement}
	copy(v.ReportData[:], q.ReportData)
	return v, nil
}
