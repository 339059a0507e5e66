package tee

import "testing"

// BenchmarkVerify measures what a gatekeeper spends on one registration's
// evidence: a TDX quote, an SEV-SNP report with its collateral (Milan, v2
// report, and Genoa, v3), a sim quote.
func BenchmarkVerify(b *testing.B) {
	sim := simFuzzSeeds(b)[0]
	cases := []struct {
		name string
		ev   Evidence
		opts VerifyOptions
	}{
		{"tdx", tdxSamples[0].evidence(b), VerifyOptions{Now: sampleNow}},
		{"sevsnp", snpSamples[0].evidence(b), VerifyOptions{Now: sampleNow}},
		{"sevsnp-genoa", snpSamples[2].evidence(b), VerifyOptions{Now: sampleNow}},
		{"sim", Evidence{Platform: Sim, Quote: sim}, VerifyOptions{AllowSim: true}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Verify(c.ev, c.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
