package verify_test

import (
	"testing"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// BenchmarkVerify measures what a gatekeeper spends on one registration's
// evidence: a TDX quote, an SEV-SNP report with its collateral (Milan, v2
// report, and Genoa, v3), a sim quote.
func BenchmarkVerify(b *testing.B) {
	sim := simQuotes(b)[0]
	cases := []struct {
		name string
		ev   verify.Evidence
		opts verify.Options
	}{
		{"tdx", teetest.TDXSamples[0].Evidence(b), verify.Options{Now: teetest.SampleNow}},
		{"sevsnp", teetest.SNPSamples[0].Evidence(b), verify.Options{Now: teetest.SampleNow}},
		{"sevsnp-genoa", teetest.SNPSamples[2].Evidence(b), verify.Options{Now: teetest.SampleNow}},
		{"sim", verify.Evidence{Platform: verify.Sim, Quote: sim}, verify.Options{AllowSim: true}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := verify.Verify(c.ev, c.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
