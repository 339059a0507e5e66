package verify

import (
	"errors"

	"github.com/phalanx-net/phalanx/chain/module"
)

// Verification errors. Verify wraps one of them around the detail (often
// the attestation library's own error), so callers test the kind with
// errors.Is and log the whole message.
var (
	// ErrUnknownPlatform is returned for evidence or a platform name that
	// is none of Sim, TDX, SEVSNP.
	ErrUnknownPlatform = errors.New("unknown TEE platform")
	// ErrSimNotAllowed is returned for sim evidence when the verifier does
	// not accept sim (Options.AllowSim is false).
	ErrSimNotAllowed = errors.New("sim TEE evidence not allowed")
	// ErrInvalidEvidence is returned for evidence that does not decode:
	// wrong sizes, bad encodings, unsupported versions or key types,
	// collateral where none belongs.
	ErrInvalidEvidence = errors.New("invalid TEE evidence")
	// ErrSignature is returned for evidence that decodes but whose
	// signatures or certificate chain do not verify up to the vendor's
	// root, or that was not produced by the vendor's quoting machinery.
	ErrSignature = errors.New("TEE evidence does not verify")
	// ErrExpired is returned when the verification time lies outside the
	// validity of a certificate the evidence depends on.
	ErrExpired = errors.New("TEE evidence certificates expired or not yet valid")
)

// Codespace is the codespace of the coded verification errors below. They
// are what collateral adds to verification: refusals a registering
// operator or a collateral submitter acts on differently (renew the
// collateral, patch the machine, replace a revoked one), so each has a
// code of its own that survives the trip to a client.
const Codespace = "tee"

// Coded verification errors. Like the errors above, Verify and the
// collateral checks wrap them around the detail; they match with
// errors.Is, and module.ABCIInfo reports their codes.
var (
	// Collateral that does not decode, or is of another platform.
	ErrInvalidCollateral = module.DefineError(Codespace, 1, "invalid TEE collateral")
	// A collateral signature or its issuer chain does not verify up to the
	// vendor's pinned root.
	ErrCollateralSignature = module.DefineError(Codespace, 2, "TEE collateral signature does not verify")
	// The time lies outside a collateral part's window: TCB info or QE
	// identity issueDate … nextUpdate, a CRL's thisUpdate … nextUpdate, or
	// a signing certificate's validity.
	ErrCollateralExpired = module.DefineError(Codespace, 3, "TEE collateral expired or not yet valid")
	// Valid collateral of another machine: another FMSPC, PCE, CA or
	// product line than the evidence's.
	ErrCollateralMismatch = module.DefineError(Codespace, 4, "TEE collateral is not for this evidence")
	// The vendor's CRL lists a certificate the evidence depends on: the PCK
	// or its CA (TDX), the VCEK or the ASK (SEV-SNP).
	ErrCertificateRevoked = module.DefineError(Codespace, 5, "TEE attestation certificate revoked")
	// Intel's TCB status of the platform, its TDX module or its quoting
	// enclave is Revoked.
	ErrTCBRevoked = module.DefineError(Codespace, 6, "TEE TCB status is Revoked")
	// The TCB is below the minimum: an SEV-SNP reported TCB below the
	// governance's minimum for the product line, or a TDX TCB below every
	// level Intel's TCB info lists.
	ErrTCBBelowMinimum = module.DefineError(Codespace, 7, "TEE TCB below the minimum")
	// An SEV-SNP guest policy or VMPL the verifier does not accept: debug
	// allowed, a migration agent not allowed, a VMPL other than 0.
	ErrGuestPolicy = module.DefineError(Codespace, 8, "SEV-SNP guest policy refused")
	// The VCEK certifies another TCB than the report's reported TCB.
	ErrVCEKTCBMismatch = module.DefineError(Codespace, 9, "SEV-SNP VCEK is not for the reported TCB")
	// A TD whose memory another TD can export: a migratable TD
	// (TD_ATTRIBUTES.MIGRATABLE), or one bound to a service TD (TDX 1.5's
	// MR_SERVICETD, a migration TD for instance).
	ErrTDAttributes = module.DefineError(Codespace, 10, "TDX TD can be migrated or is bound to a service TD")
)
