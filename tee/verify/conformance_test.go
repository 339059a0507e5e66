package verify_test

import (
	"bytes"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/tee/internal/simquote"
	"github.com/phalanx-net/phalanx/tee/internal/simsign"
	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Every platform's verifier passes the same suite on its own real
// evidence; what only one platform has is in its own file.
func TestConformance(t *testing.T) {
	t.Run(verify.Sim, func(t *testing.T) { teetest.RunVerifier(t, simFixture(t)) })
	t.Run(verify.TDX, func(t *testing.T) { teetest.RunVerifier(t, tdxFixture(t)) })
	t.Run(verify.SEVSNP, func(t *testing.T) { teetest.RunVerifier(t, snpFixture(t)) })
}

// Verdicts on one platform's evidence do not interfere with another's
// when gatekeepers verify in several goroutines at once (go-sev-guest
// keeps a process-wide cache, for one).
func TestVerifyConcurrentAcrossPlatforms(t *testing.T) {
	type job struct {
		ev verify.Evidence
		ok bool
	}
	var jobs []job
	for _, f := range []teetest.VerifierFixture{simFixture(t), tdxFixture(t), snpFixture(t)} {
		for _, s := range f.Samples {
			jobs = append(jobs, job{s.Evidence, true})
		}
		for _, r := range f.Refusals {
			jobs = append(jobs, job{r.Evidence, false})
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2 * len(jobs) {
				j := jobs[(i+g)%len(jobs)]
				if _, err := verify.Verify(j.ev, verify.Options{Now: teetest.SampleNow, AllowSim: true}); (err == nil) != j.ok {
					t.Errorf("%s: err %v, want ok=%v", j.ev.Platform, err, j.ok)
				}
			}
		})
	}
	wg.Wait()
}

// Every platform of the table has a fixture above.
func TestConformanceCoversTable(t *testing.T) {
	want := []string{verify.SEVSNP, verify.Sim, verify.TDX}
	if got := verify.Platforms(); !slices.Equal(got, want) {
		t.Errorf("platforms %v, the suite runs %v", got, want)
	}
}

func reportData(tb testing.TB, s string) verify.ReportData {
	var d verify.ReportData
	copy(d[:], teetest.Unhex(tb, s))
	return d
}

func tdxFixture(t *testing.T) teetest.VerifierFixture {
	f := teetest.VerifierFixture{Platform: verify.TDX, Secure: true, Now: teetest.SampleNow, Flip: teetest.TDXFlipBytes}
	for _, s := range teetest.TDXSamples {
		f.Samples = append(f.Samples, teetest.Sample{
			Name:     s.File,
			Evidence: s.Evidence(t),
			Want: verify.Verified{Platform: verify.TDX, Measurement: s.Measurement(t), ReportData: reportData(t, s.ReportData),
				Debug: s.Debug, NotAfter: teetest.ParseTime(t, s.NotAfter)},
			NotBefore: teetest.ParseTime(t, s.NotBefore),
		})
	}
	f.Foreign = [][]byte{teetest.ReadTestdata(t, "snp-trustee-1.report"), simQuotes(t)[0]}
	quote := f.Samples[0].Evidence.Quote
	f.Refusals = []teetest.Refusal{
		{Name: "collateral", Evidence: verify.Evidence{Platform: verify.TDX, Quote: quote, Collateral: []byte{0xa0}}, Want: verify.ErrInvalidEvidence},
		{Name: "truncated to 1000 bytes", Evidence: verify.Evidence{Platform: verify.TDX, Quote: quote[:1000]}, Want: verify.ErrInvalidEvidence},
	}
	return f
}

func snpFixture(t *testing.T) teetest.VerifierFixture {
	f := teetest.VerifierFixture{Platform: verify.SEVSNP, Secure: true, Now: teetest.SampleNow, Flip: teetest.SNPFlipBytes}
	for _, s := range teetest.SNPSamples {
		f.Samples = append(f.Samples, teetest.Sample{
			Name:     s.Name,
			Evidence: s.Evidence(t),
			Want: verify.Verified{Platform: verify.SEVSNP, Measurement: teetest.Unhex(t, s.Measurement), ReportData: reportData(t, s.ReportData),
				NotAfter: teetest.ParseTime(t, s.NotAfter)},
			NotBefore: teetest.ParseTime(t, s.NotBefore),
		})
	}
	f.Foreign = [][]byte{teetest.TDXSamples[0].Evidence(t).Quote, simQuotes(t)[0]}
	milan, genoa := teetest.SNPSamples[0], teetest.SNPSamples[2]
	report := teetest.ReadTestdata(t, milan.Name+".report")
	col := milan.Collateral(t)
	otherVCEK := teetest.ReadTestdata(t, teetest.SNPSamples[1].Name+".vcek.der") // another Milan chip
	f.Refusals = []teetest.Refusal{
		{Name: "no collateral", Evidence: verify.Evidence{Platform: verify.SEVSNP, Quote: report}, Want: verify.ErrInvalidEvidence},
		{Name: "no VCEK", Evidence: teetest.SNPEvidence(t, report, verify.SNPCollateral{CertChain: col.CertChain}), Want: verify.ErrInvalidEvidence},
		{Name: "no chain", Evidence: teetest.SNPEvidence(t, report, verify.SNPCollateral{VCEK: col.VCEK}), Want: verify.ErrInvalidEvidence},
		{Name: "another chip's VCEK", Evidence: teetest.SNPEvidence(t, report, verify.SNPCollateral{VCEK: otherVCEK, CertChain: col.CertChain}), Want: verify.ErrSignature},
		{Name: "a Milan VCEK for a Genoa report", Evidence: teetest.SNPEvidence(t, teetest.ReadTestdata(t, genoa.Name+".report"), verify.SNPCollateral{VCEK: col.VCEK, CertChain: teetest.ReadTestdata(t, genoa.Chain)}), Want: verify.ErrSignature},
		// A v2 report names its product only through the VCEK, whose
		// name must then carry the stepping; Genoa VCEKs do not.
		{Name: "a Genoa VCEK for a v2 report", Evidence: teetest.SNPEvidence(t, report, genoa.Collateral(t)), Want: verify.ErrInvalidEvidence},
		{Name: "Genoa chain for a Milan report", Evidence: teetest.SNPEvidence(t, report, verify.SNPCollateral{VCEK: col.VCEK, CertChain: teetest.ReadTestdata(t, genoa.Chain)}), Want: verify.ErrSignature},
		{Name: "ARK only", Evidence: teetest.SNPEvidence(t, report, verify.SNPCollateral{VCEK: col.VCEK, CertChain: col.CertChain[bytes.Index(col.CertChain[1:], []byte("-----BEGIN"))+1:]}), Want: verify.ErrInvalidEvidence},
		{Name: "VCEK in PEM", Evidence: teetest.SNPEvidence(t, report, verify.SNPCollateral{VCEK: []byte("-----BEGIN CERTIFICATE-----\n"), CertChain: col.CertChain}), Want: verify.ErrInvalidEvidence},
		{Name: "collateral not canonical", Evidence: verify.Evidence{Platform: verify.SEVSNP, Quote: report, Collateral: nonCanonical(t, col)}, Want: verify.ErrInvalidEvidence},
		{Name: "short report", Evidence: teetest.SNPEvidence(t, report[:1000], col), Want: verify.ErrInvalidEvidence},
		{Name: "long report", Evidence: teetest.SNPEvidence(t, append(bytes.Clone(report), 0), col), Want: verify.ErrInvalidEvidence},
		{Name: "a verify.TDX quote", Evidence: teetest.SNPEvidence(t, teetest.TDXSamples[0].Evidence(t).Quote, col), Want: verify.ErrInvalidEvidence},
		{Name: "VLEK signer", Evidence: teetest.SNPEvidence(t, withSigner(report, 1), col), Want: verify.ErrInvalidEvidence},
	}
	return f
}

// simQuotes returns sim quotes: one of the default measurement, one of
// another, with different report data.
func simQuotes(tb testing.TB) [][]byte {
	var out [][]byte
	for i, m := range [][]byte{verify.SimMeasurement(verify.DefaultSimVersion), verify.SimMeasurement(2)} {
		q, err := simsign.Sign(m, verify.ReportData{byte(i), 0xff})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

func simFixture(t *testing.T) teetest.VerifierFixture {
	quotes := simQuotes(t)
	f := teetest.VerifierFixture{Platform: verify.Sim, Secure: false, Now: teetest.SampleNow,
		// The signature is the quote's last field: its last byte.
		Flip: []int{len(quotes[0]) - 1}}
	for i, q := range quotes {
		m := verify.SimMeasurement(verify.DefaultSimVersion)
		if i == 1 {
			m = verify.SimMeasurement(2)
		}
		f.Samples = append(f.Samples, teetest.Sample{
			Name:     "sim-" + string(rune('1'+i)),
			Evidence: verify.Evidence{Platform: verify.Sim, Quote: q},
			Want:     verify.Verified{Platform: verify.Sim, Measurement: m, ReportData: verify.ReportData{byte(i), 0xff}, NotAfter: time.Time{}},
		})
	}
	f.Foreign = [][]byte{teetest.TDXSamples[0].Evidence(t).Quote, teetest.ReadTestdata(t, "snp-trustee-1.report")}

	var q simquote.Quote
	if err := codec.Unmarshal(quotes[0], &q); err != nil {
		t.Fatal(err)
	}
	reencode := func(f func(q *simquote.Quote)) verify.Evidence {
		c := q
		c.Measurement, c.ReportData, c.Signature = bytes.Clone(q.Measurement), bytes.Clone(q.ReportData), bytes.Clone(q.Signature)
		f(&c)
		return verify.Evidence{Platform: verify.Sim, Quote: codec.MustMarshal(c)}
	}
	f.Refusals = []teetest.Refusal{
		{Name: "report data changed", Evidence: reencode(func(q *simquote.Quote) { q.ReportData[0] ^= 1 }), Want: verify.ErrSignature},
		{Name: "measurement changed", Evidence: reencode(func(q *simquote.Quote) { q.Measurement[0] ^= 1 }), Want: verify.ErrSignature},
		{Name: "signature changed", Evidence: reencode(func(q *simquote.Quote) { q.Signature[0] ^= 1 }), Want: verify.ErrSignature},
		{Name: "version changed", Evidence: reencode(func(q *simquote.Quote) { q.Version = 2 }), Want: verify.ErrInvalidEvidence},
		{Name: "short measurement", Evidence: reencode(func(q *simquote.Quote) { q.Measurement = q.Measurement[:32] }), Want: verify.ErrInvalidEvidence},
		{Name: "no signature", Evidence: reencode(func(q *simquote.Quote) { q.Signature = nil }), Want: verify.ErrInvalidEvidence},
		{Name: "trailing zero byte", Evidence: verify.Evidence{Platform: verify.Sim, Quote: append(bytes.Clone(quotes[0]), 0)}, Want: verify.ErrInvalidEvidence},
		{Name: "not CBOR", Evidence: verify.Evidence{Platform: verify.Sim, Quote: []byte("quote")}, Want: verify.ErrInvalidEvidence},
		{Name: "collateral", Evidence: verify.Evidence{Platform: verify.Sim, Quote: quotes[0], Collateral: []byte{0}}, Want: verify.ErrInvalidEvidence},
	}
	return f
}
