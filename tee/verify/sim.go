package verify

import (
	"crypto/sha512"
	"fmt"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/internal/simquote"
)

// SimMeasurementSize is the size of a sim measurement (SHA-384).
const SimMeasurementSize = sha512.Size384

// DefaultSimVersion is the enclave version a sim platform's measurement
// names unless tee.Options say otherwise.
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

// simVerifier checks sim quotes. Passing says only that the quote was
// made with the public sim vendor key (simquote.VendorPublicKey), which anyone
// can do; the platform is not Secure, so Verify accepts it only with
// Options.AllowSim.
type simVerifier struct{}

func (simVerifier) Name() string { return Sim }
func (simVerifier) Secure() bool { return false }

// ParseCollateral refuses everything: no vendor vouches for a sim
// platform, so there is nothing to judge its evidence against.
func (simVerifier) ParseCollateral([]byte) (Collateral, error) {
	return nil, fmt.Errorf("%w: the sim platform has no collateral", ErrInvalidCollateral)
}

// Verify checks a sim quote's form and its simulated vendor signature.
// Passing says only that the quote was made with the public sim vendor
// key; Debug is false because a sim enclave has no debug mode, not
// because anything is protected.
func (simVerifier) Verify(ev Evidence, _ Options) (Verified, error) {
	if len(ev.Collateral) != 0 {
		return Verified{}, fmt.Errorf("%w: sim evidence carries no collateral, got %d bytes", ErrInvalidEvidence, len(ev.Collateral))
	}
	var q simquote.Quote
	if err := codec.Unmarshal(ev.Quote, &q); err != nil {
		return Verified{}, fmt.Errorf("%w: sim quote: %w", ErrInvalidEvidence, err)
	}
	switch {
	case q.Version != simquote.Version:
		return Verified{}, fmt.Errorf("%w: sim quote version %d, want %d", ErrInvalidEvidence, q.Version, simquote.Version)
	case len(q.Measurement) != SimMeasurementSize:
		return Verified{}, fmt.Errorf("%w: sim measurement of %d bytes, want %d", ErrInvalidEvidence, len(q.Measurement), SimMeasurementSize)
	case len(q.ReportData) != ReportDataSize:
		return Verified{}, fmt.Errorf("%w: sim report data of %d bytes, want %d", ErrInvalidEvidence, len(q.ReportData), ReportDataSize)
	case len(q.Signature) != crypto.SignatureLen:
		return Verified{}, fmt.Errorf("%w: sim signature of %d bytes, want %d", ErrInvalidEvidence, len(q.Signature), crypto.SignatureLen)
	}
	msg, err := codec.Marshal(q.Body())
	if err != nil {
		return Verified{}, fmt.Errorf("%w: sim quote: %w", ErrInvalidEvidence, err)
	}
	if !crypto.Verify(simquote.VendorPublicKey, simquote.Context, msg, q.Signature) {
		return Verified{}, fmt.Errorf("%w: sim quote signature", ErrSignature)
	}
	v := Verified{Platform: Sim, Measurement: q.Measurement}
	copy(v.ReportData[:], q.ReportData)
	return v, nil
}
