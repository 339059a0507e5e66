package verify

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"time"
)

// Collateral is a vendor's signed statement about a class of machines,
// against which their evidence is judged: Intel's TCB info, QE identity
// and CRLs for one FMSPC (TDXCollateral), AMD's VCEK CRL for one product
// line (SNPCRL). Unlike Evidence.Collateral, which the registering party
// gathers for its own quote, it is shared by every machine of its scope,
// so the chain can keep the newest valid set per scope and judge evidence
// against it at block time.
type Collateral interface {
	// Platform is the platform whose evidence the collateral judges.
	Platform() string
	// Scope names what the collateral covers, the key under which a
	// store keeps its newest set: "tdx/fmspc/<FMSPC>" or
	// "sevsnp/<product line>".
	Scope() string
	// Issued is when the vendor issued it (TCB info's issueDate, the
	// CRL's thisUpdate), for choosing the newest of two valid sets.
	Issued() time.Time
	// Marshal returns its canonical encoding, which ParseCollateral
	// decodes.
	Marshal() ([]byte, error)
	// Check verifies its signatures up to the vendor's pinned roots and
	// that now lies inside every part's window. A failure wraps
	// ErrCollateralSignature, ErrCollateralExpired, ErrCertificateRevoked
	// (a CRL revokes one of the collateral's own signers) or
	// ErrInvalidCollateral.
	Check(now time.Time) error
}

// ParseCollateral decodes a platform's collateral from its canonical
// encoding. A failure wraps ErrUnknownPlatform or ErrInvalidCollateral.
func ParseCollateral(platform string, b []byte) (Collateral, error) {
	v, err := Lookup(platform)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxCollateralSize {
		return nil, fmt.Errorf("%w: %s collateral of %d bytes exceeds %d", ErrInvalidCollateral, platform, len(b), MaxCollateralSize)
	}
	return v.ParseCollateral(b)
}

// TCB is what verification establishes about a machine's patch level and
// configuration, beside its measurement.
type TCB struct {
	// Status is Intel's TCB status of a TDX machine (TCBUpToDate, ...),
	// converged over the platform, its TDX module and its quoting
	// enclave as Intel's verifier does. Empty for SEV-SNP, whose TCB is
	// judged against a minimum instead.
	Status string
	// AdvisoryIDs are the Intel security advisories (INTEL-SA-…) that the
	// matching TCB levels name, sorted; empty when up to date.
	AdvisoryIDs []string
	// Date is the tcbDate of the platform's matching TCB level (TDX).
	Date time.Time
	// FMSPC is the TDX platform's family, model and stepping code, the
	// scope of its collateral.
	FMSPC string

	// ProductLine is the SEV-SNP product line ("Milan", "Genoa", ...).
	ProductLine string
	// ReportedTCB is the SEV-SNP report's REPORTED_TCB, the TCB its VCEK
	// certifies (kds.TCBVersion encoding).
	ReportedTCB uint64
	// Policy and VMPL are the SEV-SNP guest policy and the VMPL the
	// report was requested at.
	Policy uint64
	VMPL   uint32
}

// Intel's TCB statuses, as TCB info states them.
const (
	TCBUpToDate                          = "UpToDate"
	TCBSWHardeningNeeded                 = "SWHardeningNeeded"
	TCBConfigurationNeeded               = "ConfigurationNeeded"
	TCBConfigurationAndSWHardeningNeeded = "ConfigurationAndSWHardeningNeeded"
	TCBOutOfDate                         = "OutOfDate"
	TCBOutOfDateConfigurationNeeded      = "OutOfDateConfigurationNeeded"
	TCBRevoked                           = "Revoked"
)

// checkWindow returns ErrCollateralExpired unless notBefore ≤ now ≤
// notAfter, bounds included as crypto/x509 includes them.
func checkWindow(what string, now, notBefore, notAfter time.Time) error {
	if now.Before(notBefore) || now.After(notAfter) {
		return fmt.Errorf("%w: %s: %s is outside %s … %s", ErrCollateralExpired, what,
			now.UTC().Format(time.RFC3339), notBefore.UTC().Format(time.RFC3339), notAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkCRL checks that crl is signed by issuer and current at now.
func checkCRL(what string, crl *x509.RevocationList, issuer *x509.Certificate, now time.Time) error {
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("%w: %s is not signed by %q: %w", ErrCollateralSignature, what, issuer.Subject.CommonName, err)
	}
	if crl.NextUpdate.IsZero() {
		return fmt.Errorf("%w: %s has no nextUpdate", ErrInvalidCollateral, what)
	}
	return checkWindow(what, now, crl.ThisUpdate, crl.NextUpdate)
}

// revoked reports whether crl lists the certificate with serial.
func revoked(crl *x509.RevocationList, serial *big.Int) (time.Time, bool) {
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(serial) == 0 {
			return e.RevocationTime, true
		}
	}
	return time.Time{}, false
}

// checkNotRevoked returns ErrCertificateRevoked if crl lists cert.
func checkNotRevoked(what string, crl *x509.RevocationList, cert *x509.Certificate) error {
	if at, ok := revoked(crl, cert.SerialNumber); ok {
		return fmt.Errorf("%w: %s (serial %x) revoked at %s by %q's CRL", ErrCertificateRevoked, what, cert.SerialNumber, at.UTC().Format(time.RFC3339), crl.Issuer.CommonName)
	}
	return nil
}
