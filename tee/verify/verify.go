package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// Size limits on evidence, checked before anything is parsed. A TDX quote
// with its PCK chain is about 5 KB, an SNP report 1184 bytes and its
// collateral about 6 KB; the limits leave room for larger certificates
// while bounding the work a transaction can ask of every gatekeeper.
const (
	MaxQuoteSize      = 32 << 10
	MaxCollateralSize = 32 << 10
)

// Verify checks evidence offline and returns what it establishes. It is a
// pure function of its arguments: opts.Now (the block time) decides
// certificate and collateral validity, the trust anchors are compiled in,
// and the collateral comes with the evidence and the options, so every
// gatekeeper reaches the same verdict and nothing is fetched.
//
// A failure wraps ErrUnknownPlatform, ErrSimNotAllowed, ErrInvalidEvidence,
// ErrSignature or ErrExpired, or, for what collateral and policy add, one
// of the coded errors (ErrCertificateRevoked, ErrTCBRevoked,
// ErrTCBBelowMinimum, ErrCollateralExpired, ...). Verify does not judge the
// measurement, the Debug flag, the report data or a TCB status other than
// Revoked: that is the caller's policy.
//
// What is and is not checked, per platform:
//   - TDX: the quote's signature by its attestation key, the attestation
//     key's binding to the quoting enclave's report, that report's
//     signature by the PCK certificate, the PCK chain up to Intel's SGX
//     root, and that the quoting enclave is Intel's TD QE. With
//     opts.Collateral (Intel's TDXCollateral for the quote's FMSPC) also:
//     the collateral's signatures and windows, the PCK and its CA against
//     Intel's CRLs, the quoting enclave against Intel's signed QE identity
//     (instead of the compiled-in one), the TDX module's signer, and the
//     TCB status with its advisories (Verified.TCB). Without collateral,
//     the TCB level and revocation are not checked.
//   - SEV-SNP: the report's signature by the VCEK, the VCEK's chain up to
//     AMD's ARK for the product line, and that the VCEK is the one for the
//     report's chip and reported TCB. Only VCEK-signed reports are
//     accepted. With opts.Collateral (AMD's SNPCRL for the line) also the
//     VCEK and ASK against the CRL; with opts.SNP the guest policy, VMPL 0
//     and the minimum TCB.
//   - sim: the simulated vendor's signature, which anyone can make.
//
// ECDSA signatures admit a second valid form (r, n−s), and TDX quotes may
// carry zero padding after the signed data, so one attestation has more
// than one accepted encoding. That changes nothing attested; transactions
// that carry evidence are signed by their sender, so no third party can
// swap one encoding for another.
func Verify(ev Evidence, opts Options) (v Verified, err error) {
	if len(ev.Quote) > MaxQuoteSize {
		return Verified{}, fmt.Errorf("%w: quote of %d bytes exceeds %d", ErrInvalidEvidence, len(ev.Quote), MaxQuoteSize)
	}
	if len(ev.Collateral) > MaxCollateralSize {
		return Verified{}, fmt.Errorf("%w: collateral of %d bytes exceeds %d", ErrInvalidEvidence, len(ev.Collateral), MaxCollateralSize)
	}
	// The attestation libraries parse attacker-supplied bytes; a panic in
	// them on some malformed input must fail this evidence, not crash
	// every gatekeeper that runs the transaction.
	defer func() {
		if r := recover(); r != nil {
			v, err = Verified{}, fmt.Errorf("%w: %s: %w: %v", ErrInvalidEvidence, ev.Platform, errVerifierPanic, r)
		}
	}()
	verifier, err := Lookup(ev.Platform)
	if err != nil {
		return Verified{}, err
	}
	if !verifier.Secure() && !opts.AllowSim {
		return Verified{}, ErrSimNotAllowed
	}
	if opts.Collateral != nil && opts.Collateral.Platform() != ev.Platform {
		return Verified{}, fmt.Errorf("%w: %s collateral for %s evidence", ErrInvalidCollateral, opts.Collateral.Platform(), ev.Platform)
	}
	return verifier.Verify(ev, opts)
}

// errVerifierPanic marks a panic recovered in Verify, for the fuzz tests
// to tell it from an ordinary refusal.
var errVerifierPanic = errors.New("verifier panicked")

// validity returns the window in which every certificate of chain is
// valid, bounds included as crypto/x509 includes them.
func validity(chain ...*x509.Certificate) (notBefore, notAfter time.Time) {
	for i, c := range chain {
		if i == 0 || c.NotBefore.After(notBefore) {
			notBefore = c.NotBefore
		}
		if i == 0 || c.NotAfter.Before(notAfter) {
			notAfter = c.NotAfter
		}
	}
	return notBefore, notAfter
}

// checkValidity returns ErrExpired if now lies outside the validity of
// any certificate of chain. Checking it here, before the libraries do,
// keeps "expired" apart from "does not verify", which their error values
// do not.
func checkValidity(now time.Time, chain ...*x509.Certificate) (notAfter time.Time, err error) {
	notBefore, notAfter := validity(chain...)
	if now.Before(notBefore) || now.After(notAfter) {
		return notAfter, fmt.Errorf("%w: %s is outside %s … %s", ErrExpired,
			now.UTC().Format(time.RFC3339), notBefore.UTC().Format(time.RFC3339), notAfter.UTC().Format(time.RFC3339))
	}
	return notAfter, nil
}
