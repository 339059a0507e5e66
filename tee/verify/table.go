package verify

import "fmt"

// A Verifier checks one platform's evidence. Implementations are pure
// functions of their arguments; Verify has already checked the sizes and
// the platform name, and recovers from their panics.
type Verifier interface {
	// Name is the platform's name, as evidence carries it.
	Name() string
	// Secure is false for a platform that protects nothing (sim): its
	// evidence is accepted only with Options.AllowSim.
	Secure() bool
	// Verify checks evidence of this platform.
	Verify(ev Evidence, opts Options) (Verified, error)
	// ParseCollateral decodes this platform's Collateral from its
	// canonical encoding; a failure wraps ErrInvalidCollateral.
	ParseCollateral(b []byte) (Collateral, error)
}

// verifiers is the table of platforms, sorted by name. Code that differs
// by platform looks the platform up here instead of switching on its
// name, so a platform is added in one place (and in tee's table of
// attesters).
var verifiers = []Verifier{
	snpVerifier{},
	simVerifier{},
	tdxVerifier{},
}

// Lookup returns the verifier of the named platform, or an error wrapping
// ErrUnknownPlatform.
func Lookup(name string) (Verifier, error) {
	for _, v := range verifiers {
		if v.Name() == name {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownPlatform, name)
}

// Platforms returns the names of the platforms, sorted.
func Platforms() []string {
	names := make([]string, len(verifiers))
	for i, v := range verifiers {
		names[i] = v.Name()
	}
	return names
}

// Insecure reports whether name is a known platform that protects
// nothing (sim); it is false for an unknown name.
func Insecure(name string) bool {
	v, err := Lookup(name)
	return err == nil && !v.Secure()
}

// Secure reports whether name is a known platform that protects its
// enclaves; it is false for sim and for an unknown name.
func Secure(name string) bool {
	v, err := Lookup(name)
	return err == nil && v.Secure()
}
