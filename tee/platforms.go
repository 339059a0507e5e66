package tee

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/go-sev-guest/verify/trust"

	"github.com/phalanx-net/phalanx/tee/verify"
)

// platform is an entry of the table of platforms: the verifier of its
// evidence and how to open it on this machine.
type platform struct {
	verifier verify.Verifier
	open     func(Options) (Platform, error)
}

// platforms is the table of platforms, sorted by name. Every name in
// verify's table has an entry here, and no other (platforms_test.go).
var platforms = []platform{
	{verifierOf(SEVSNP), opener(func(o Options) (*snpPlatform, error) { return openSNP(o, trust.DefaultHTTPSGetter()) })},
	{verifierOf(Sim), opener(openSim)},
	{verifierOf(TDX), opener(openTDX)},
}

// opener turns a platform's open function into the table's, returning a
// nil Platform (not a nil pointer in an interface) on failure.
func opener[P Platform](open func(Options) (P, error)) func(Options) (Platform, error) {
	return func(o Options) (Platform, error) {
		p, err := open(o)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

func verifierOf(name string) verify.Verifier {
	v, err := verify.Lookup(name)
	if err != nil {
		panic(err) // the table names only platforms verify knows
	}
	return v
}

func lookup(name string) (platform, error) {
	for _, p := range platforms {
		if p.verifier.Name() == name {
			return p, nil
		}
	}
	return platform{}, fmt.Errorf("%w: %q (want %s)", ErrUnknownPlatform, name, strings.Join(Platforms(), ", "))
}

// Platforms returns the names of the platforms, sorted.
func Platforms() []string { return verify.Platforms() }

// Known reports whether name is a platform's name.
func Known(name string) bool {
	_, err := lookup(name)
	return err == nil
}

// Insecure reports whether name is a known platform that protects
// nothing (sim): false for an unknown name.
func Insecure(name string) bool { return verify.Insecure(name) }

// Secure reports whether name is a known platform that protects its
// enclaves: false for sim and for an unknown name.
func Secure(name string) bool { return verify.Secure(name) }

// Open returns the named platform of this machine: Sim, TDX or SEVSNP. It
// fails with ErrUnknownPlatform for another name and with ErrUnavailable
// when the machine does not provide the platform.
//
// What each platform's sealing is worth:
//   - Sim: nothing. The key is a plain file, SimSealingKeyFile in
//     Options.Dir, readable by whoever reads the directory; sim quotes
//     can be forged by anyone. For development only (see SimWarning).
//   - TDX: TDX derives no sealing key. With Options.Released (workers)
//     nothing is stored: the key is derived from a sealing root the
//     gatekeepers' key manager releases to this measurement on this
//     machine, after verifying its quote (enclave.OpenReleased). Without
//     it (gatekeepers, which hold the master key the root derives from)
//     the key is a random file, TDXSealingKeyFile in Options.Dir, as
//     confidential as the TD's disk: safe when the root filesystem is
//     encrypted with a key released only to this TD, no better than sim
//     on a plain disk.
//   - SEVSNP: the SEV firmware derives the key from the chip's VCEK, the
//     launch measurement and the guest policy; only the same image on the
//     same chip obtains it, provided the launch measurement covers the
//     worker (kernel, initrd, command line). Nothing is stored.
func Open(name string, opts Options) (Platform, error) {
	p, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if !opts.Released {
		return p.open(opts)
	}
	if name == SEVSNP {
		return nil, fmt.Errorf("%s: %w", name, errSealsItself)
	}
	opts.slot = &rootSlot{}
	pl, err := p.open(opts)
	if err != nil {
		return nil, err
	}
	return releasable{Platform: pl, slot: opts.slot}, nil
}

var errSealsItself = errors.New("its firmware derives the sealing key: Options.Released does not apply")

// Releasable is a platform opened with Options.Released.
type Releasable interface {
	Platform
	// Release gives the platform its sealing root (32 bytes), once.
	Release(root []byte) error
}

type releasable struct {
	Platform
	slot *rootSlot
}

func (r releasable) Release(root []byte) error { return r.slot.set(root) }
