package verify

import "errors"

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
