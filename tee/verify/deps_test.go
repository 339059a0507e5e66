package verify_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Verification links no attestation code: neither this package nor the
// chain's registry (its wire package and its keeper, which verifies
// registrations) depends on the quote interfaces, the SEV guest device,
// the sealing code, package tee or the sim vendor's signing key.
func TestNoAttestationDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	// Package paths, or path prefixes ending in "/".
	forbidden := []string{
		"github.com/google/go-configfs-tsm/",
		"github.com/google/go-sev-guest/client",
		"github.com/google/go-sev-guest/client/",
		"github.com/phalanx-net/phalanx/tee",
		"github.com/phalanx-net/phalanx/tee/internal/simsign",
		"golang.org/x/crypto/chacha20poly1305",
	}
	for _, pkg := range []string{
		"github.com/phalanx-net/phalanx/tee/verify",
		"github.com/phalanx-net/phalanx/chain/modules/registry",
		"github.com/phalanx-net/phalanx/chain/modules/registry/keeper",
	} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if dep == f || strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
