package tee

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/go-sev-guest/verify/trust"
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
}

// Open returns the named platform of this machine: Sim, TDX or SEVSNP. It
// fails with ErrUnknownPlatform for another name and with ErrUnavailable
// when the machine does not provide the platform.
//
// What each platform's sealing is worth:
//   - Sim: nothing. The key is a plain file, SimSealingKeyFile in
//     Options.Dir, readable by whoever reads the directory; sim quotes
//     can be forged by anyone. For development only (see SimWarning).
//   - TDX: TDX derives no sealing key, so the key is a random file,
//     TDXSealingKeyFile in Options.Dir. It is as confidential as the TD's
//     disk: safe when the root filesystem is encrypted with a key released
//     only to this TD, no better than sim on a plain disk.
//   - SEVSNP: the SEV firmware derives the key from the chip's VCEK, the
//     launch measurement and the guest policy; only the same image on the
//     same chip obtains it, provided the launch measurement covers the
//     worker (kernel, initrd, command line). Nothing is stored.
func Open(name string, opts Options) (Platform, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	switch name {
	case Sim:
		return openSim(opts)
	case TDX:
		return openTDX(opts)
	case SEVSNP:
		return openSNP(opts, trust.DefaultHTTPSGetter())
	default:
		return nil, fmt.Errorf("%w: %q (want %s, %s or %s)", ErrUnknownPlatform, name, Sim, TDX, SEVSNP)
	}
}

var errNoDir = errors.New("Options.Dir is required: it holds the sealing key")
