package tee

import (
	"context"

	"github.com/phalanx-net/phalanx/tee/verify"
)

// The vocabulary of evidence is package verify's, which verifiers (the
// chain's registry) import alone; it is repeated here so that code that
// attests needs one import.
type (
	// ReportData is what a quote binds besides the measurement.
	ReportData = verify.ReportData
	// Evidence is a platform's attestation with its collateral.
	Evidence = verify.Evidence
	// Verified is what verification establishes about evidence.
	Verified = verify.Verified
	// VerifyOptions say how to verify evidence.
	VerifyOptions = verify.Options
	// SNPCollateral is the collateral of SEV-SNP evidence.
	SNPCollateral = verify.SNPCollateral
)

// Platform names, sizes and the sim measurement scheme (see package
// verify).
const (
	Sim    = verify.Sim
	TDX    = verify.TDX
	SEVSNP = verify.SEVSNP

	ReportDataSize     = verify.ReportDataSize
	MaxQuoteSize       = verify.MaxQuoteSize
	MaxCollateralSize  = verify.MaxCollateralSize
	SimMeasurementSize = verify.SimMeasurementSize
	DefaultSimVersion  = verify.DefaultSimVersion
)

// Verify checks evidence offline; see verify.Verify.
func Verify(ev Evidence, opts VerifyOptions) (Verified, error) { return verify.Verify(ev, opts) }

// SimMeasurement returns the simulated measurement of an enclave version;
// see verify.SimMeasurement.
func SimMeasurement(version uint32) []byte { return verify.SimMeasurement(version) }

// ParseSNPCollateral decodes SEV-SNP collateral; see
// verify.ParseSNPCollateral.
func ParseSNPCollateral(b []byte) (SNPCollateral, error) { return verify.ParseSNPCollateral(b) }

// An Attester produces this enclave's evidence on its platform. Each
// platform's attester is paired with the platform's verifier (package
// verify) in the table of platforms (platforms.go).
type Attester interface {
	// Name is one of Sim, TDX, SEVSNP: the platform's name in the
	// evidence it produces.
	Name() string
	// Secure is false when nothing protects the enclave (sim).
	Secure() bool
	// Attest returns evidence that binds data to this enclave's
	// measurement, with its collateral.
	Attest(ctx context.Context, data ReportData) (Evidence, error)
	// Measurement is this enclave's measurement, as Verify reports it.
	Measurement(ctx context.Context) ([]byte, error)
}

// Platform is the TEE the enclave runs on: it attests and it seals.
type Platform interface {
	Attester
	// Seal encrypts data so that only this enclave (on this machine) can
	// Unseal it; aad is authenticated but not encrypted.
	Seal(plaintext, aad []byte) ([]byte, error)
	Unseal(sealed, aad []byte) ([]byte, error)
}
