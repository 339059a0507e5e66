package simsign

import (
	"testing"

	"github.com/phalanx-net/phalanx/tee/internal/simquote"
)

func TestVendorPublicKeyIsTheSigningKeys(t *testing.T) {
	if got := VendorKey.Public(); got != simquote.VendorPublicKey {
		t.Fatalf("simquote.VendorPublicKey is %s, the signing key's public key %s", simquote.VendorPublicKey, got)
	}
}
