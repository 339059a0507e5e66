package verify_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/internal/fuzzlimit"
	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// The fuzz targets feed arbitrary quotes and collateral to Verify, seeded
// with the samples (here and in testdata/fuzz). Verify must not panic, and
// whatever it accepts must be a sample: a mutation that still verifies
// would be a forgery, or at least an encoding the checks do not pin down.
//
// Settings that let them run: the full samples are kilobytes and take about
// a millisecond each to verify, so Go's default of 60 s to minimize every
// new input spent a 45 s run on the first one (10-20 executions). Each
// target caps minimization at minimizeLimit runs, seeds the parser's stages
// with prefixes of the samples (cheap inputs that reach each length check),
// and skips inputs far larger than any real quote: Verify refuses them on
// their size alone, which the unit tests cover, and mutating them is slow.
const (
	minimizeLimit = "100x"
	// maxFuzzQuote is above every sample TDX quote (5 kB) with room for a
	// longer PCK chain; an SNP report is 1184 bytes, its collateral 6 kB.
	maxFuzzQuote      = 8 << 10
	maxFuzzCollateral = 8 << 10
)

// tdxStages are where a version 4 TDX quote's parts end: the header, the
// TD report body, the signature data's length, the ECDSA signature, the
// attestation key, the certification data's type and size, the QE report,
// its signature, and the QE authentication data's length.
var tdxStages = []int{48, 632, 636, 700, 764, 770, 1154, 1218, 1220}

// failOnPanic reports a panic Verify recovered from: harmless to the
// chain, but a bug to know of (and to guard against before the library
// call, where it can be).
func failOnPanic(t *testing.T, err error) {
	if errors.Is(err, verify.ErrVerifierPanic) {
		t.Fatal(err)
	}
}

func FuzzVerifyTDX(f *testing.F) {
	fuzzlimit.Minimize(f, minimizeLimit)
	var samples [][]byte
	for _, s := range teetest.TDXSamples {
		q := s.Evidence(f).Quote
		samples = append(samples, q[:teetest.TDXSignedEnd(q)])
		f.Add(q)
	}
	for _, n := range tdxStages {
		f.Add(samples[0][:n])
	}
	// A version 5 quote (TD report 1.5), and where its header, body
	// descriptor and body end; it verifies at its own time.
	v5 := readFile(f, tdxCollaterals[1].quoteDir, tdxCollaterals[1].quote)
	samples = append(samples, v5[:teetest.TDXSignedEnd(v5)])
	f.Add(v5)
	for _, n := range []int{48, 54, 702, 706} {
		f.Add(v5[:n])
	}
	f.Fuzz(func(t *testing.T, quote []byte) {
		if len(quote) > maxFuzzQuote {
			t.Skip("larger than any quote")
		}
		now := teetest.SampleNow
		if len(quote) >= 2 && quote[0] == 5 && quote[1] == 0 {
			now = tdxCollaterals[1].at
		}
		v, err := verify.Verify(verify.Evidence{Platform: verify.TDX, Quote: quote}, verify.Options{Now: now})
		if err != nil {
			failOnPanic(t, err)
			return
		}
		signed := quote[:teetest.TDXSignedEnd(quote)]
		for _, s := range samples {
			if bytes.Equal(signed, s) {
				return
			}
		}
		t.Fatalf("a quote that is no sample verified: %+v", v)
	})
}

func FuzzVerifySNP(f *testing.F) {
	fuzzlimit.Minimize(f, minimizeLimit)
	var samples []verify.Evidence
	for _, s := range teetest.SNPSamples {
		ev := s.Evidence(f)
		samples = append(samples, ev)
		f.Add(ev.Quote, ev.Collateral)
	}
	// Small seeds for the report's and the collateral's own checks: a
	// report with no collateral, a short report, collateral with a VCEK
	// but no chain.
	first := teetest.SNPSamples[0].Collateral(f)
	vcekOnly, err := verify.SNPCollateral{VCEK: first.VCEK}.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(samples[0].Quote, []byte{})
	f.Add(samples[0].Quote[:0x2a0], samples[0].Collateral)
	f.Add(samples[0].Quote, vcekOnly)
	f.Fuzz(func(t *testing.T, report, collateral []byte) {
		if len(report) > maxFuzzQuote || len(collateral) > maxFuzzCollateral {
			t.Skip("larger than any report or collateral")
		}
		v, err := verify.Verify(verify.Evidence{Platform: verify.SEVSNP, Quote: report, Collateral: collateral}, verify.Options{Now: teetest.SampleNow})
		if err != nil {
			failOnPanic(t, err)
			return
		}
		for _, s := range samples {
			if bytes.Equal(report, s.Quote) && bytes.Equal(collateral, s.Collateral) {
				return
			}
		}
		t.Fatalf("a report that is no sample verified: %+v", v)
	})
}

func FuzzVerifySim(f *testing.F) {
	fuzzlimit.Minimize(f, minimizeLimit)
	samples := simQuotes(f)
	for _, q := range samples {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, quote []byte) {
		v, err := verify.Verify(verify.Evidence{Platform: verify.Sim, Quote: quote}, verify.Options{AllowSim: true})
		if err != nil {
			failOnPanic(t, err)
			return
		}
		for _, s := range samples {
			if bytes.Equal(quote, s) {
				return
			}
		}
		t.Fatalf("a sim quote that is no sample verified: %+v", v)
	})
}

// FuzzParseCollateral feeds arbitrary bytes to both platforms' collateral
// decoders (seeded with the encodings of Intel's two sample sets, here and
// in testdata/fuzz, and an SNP CRL collateral). A decoder must not panic
// and must accept only canonical encodings; Check must not panic either,
// must fail with one of its coded errors, and must accept only a sample.
func FuzzParseCollateral(f *testing.F) {
	fuzzlimit.Minimize(f, minimizeLimit)
	var samples [][]byte
	var times []time.Time
	for i, s := range tdxCollaterals {
		b, err := tdxCollateral(f, i).Marshal()
		if err != nil {
			f.Fatal(err)
		}
		samples = append(samples, b)
		times = append(times, s.at)
		f.Add(b)
	}
	crl, err := (&verify.SNPCRL{ProductLine: "Milan", CRL: []byte{0x30, 0x00}}).Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(crl)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > verify.MaxCollateralSize {
			t.Skip("larger than collateral may be")
		}
		for _, p := range []string{verify.TDX, verify.SEVSNP} {
			c, err := verify.ParseCollateral(p, data)
			if err != nil {
				if !errors.Is(err, verify.ErrInvalidCollateral) {
					t.Fatalf("%s: %v, want ErrInvalidCollateral", p, err)
				}
				continue
			}
			again, err := c.Marshal()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("%s: accepted a non-canonical encoding (%v)", p, err)
			}
			_ = c.Scope()
			_ = c.Issued()
			for _, at := range times {
				err := c.Check(at)
				if err == nil {
					if !slices.ContainsFunc(samples, func(s []byte) bool { return bytes.Equal(s, data) }) {
						t.Fatalf("%s: collateral that is no sample checked", p)
					}
					continue
				}
				if !slices.ContainsFunc([]error{verify.ErrInvalidCollateral, verify.ErrCollateralSignature, verify.ErrCollateralExpired, verify.ErrCertificateRevoked},
					func(e error) bool { return errors.Is(err, e) }) {
					t.Fatalf("%s: Check: %v is none of its errors", p, err)
				}
			}
		}
	})
}
