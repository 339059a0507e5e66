package tee

import (
	"errors"
	"log/slog"
)

// Options configure a platform.
type Options struct {
	// Dir is the enclave's directory, where sim and tdx keep their
	// sealing key file. Required on those platforms.
	Dir string
	// SimMeasurement replaces the sim platform's measurement
	// (SimMeasurementSize bytes), for tests that need a second enclave
	// identity. Nil uses SimMeasurement(SimVersion).
	SimMeasurement []byte
	// SimVersion is the enclave version the sim measurement names; zero
	// means DefaultSimVersion.
	SimVersion uint32
	// Log receives what the platform does on its own (a sealing key
	// created, collateral fetched). Nil discards it.
	Log *slog.Logger
	// Released opens a platform with no sealing key of its own (TDX, and
	// sim to develop with) without its key file: its sealing root is
	// released to it by the gatekeepers' key manager, and until it is
	// given (Releasable.Release) Seal and Unseal fail with
	// ErrNotReleased. SEV-SNP, whose firmware derives its sealing key,
	// refuses it.
	Released bool

	slot *rootSlot // set by Open with Released
}

var errNoDir = errors.New("Options.Dir is required: it holds the sealing key")
