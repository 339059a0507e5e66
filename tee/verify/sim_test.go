package verify_test

import (
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/tee/internal/simquote"
	"github.com/phalanx-net/phalanx/tee/internal/simsign"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Sim quotes are signed over the vendor context: an ordinary signature by
// the same key over the same body does not verify.
func TestSimQuoteContext(t *testing.T) {
	m := verify.SimMeasurement(1)
	q := simquote.Quote{Version: simquote.Version, Measurement: m, ReportData: make([]byte, verify.ReportDataSize)}
	msg := codec.MustMarshal(q.Body())
	q.Signature = simsign.VendorKey.Sign("phalanx/other: v1", msg)
	if _, err := verify.Verify(verify.Evidence{Platform: verify.Sim, Quote: codec.MustMarshal(q)}, verify.Options{AllowSim: true}); !errors.Is(err, verify.ErrSignature) {
		t.Errorf("signature under another context: %v", err)
	}
}
