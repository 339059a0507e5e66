package tee

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// The fuzz targets feed arbitrary quotes and collateral to Verify, seeded
// with the samples (here and in testdata/fuzz). Verify must not panic, and
// whatever it accepts must be a sample: a mutation that still verifies
// would be a forgery, or at least an encoding the checks do not pin down.

// failOnPanic reports a panic Verify recovered from: harmless to the
// chain, but a bug to know of (and to guard against before the library
// call, where it can be).
func failOnPanic(t *testing.T, err error) {
	if errors.Is(err, errVerifierPanic) {
		t.Fatal(err)
	}
}

// tdxSignedEnd returns where a TDX quote's signed data ends: what follows
// is padding that no signature covers (and Verify requires to be zero).
func tdxSignedEnd(q []byte) int {
	const header, body = 48, 584
	if len(q) < header+body+4 {
		return len(q)
	}
	return min(len(q), header+body+4+int(binary.LittleEndian.Uint32(q[header+body:])))
}

func FuzzVerifyTDX(f *testing.F) {
	var samples [][]byte
	for _, s := range tdxSamples {
		q := s.evidence(f).Quote
		samples = append(samples, q[:tdxSignedEnd(q)])
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, quote []byte) {
		v, err := Verify(Evidence{Platform: TDX, Quote: quote}, VerifyOptions{Now: sampleNow})
		if err != nil {
			failOnPanic(t, err)
			return
		}
		signed := quote[:tdxSignedEnd(quote)]
		for _, s := range samples {
			if bytes.Equal(signed, s) {
				return
			}
		}
		t.Fatalf("a quote that is no sample verified: %+v", v)
	})
}

func FuzzVerifySNP(f *testing.F) {
	var samples []Evidence
	for _, s := range snpSamples {
		ev := s.evidence(f)
		samples = append(samples, ev)
		f.Add(ev.Quote, ev.Collateral)
	}
	f.Fuzz(func(t *testing.T, report, collateral []byte) {
		v, err := Verify(Evidence{Platform: SEVSNP, Quote: report, Collateral: collateral}, VerifyOptions{Now: sampleNow})
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

// simFuzzSeeds returns sim quotes: one of the default measurement, one of
// another, with different report data.
func simFuzzSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for i, m := range [][]byte{SimMeasurement(DefaultSimVersion), SimMeasurement(2)} {
		q, err := signSimQuote(m, ReportData{byte(i), 0xff})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

func FuzzVerifySim(f *testing.F) {
	samples := simFuzzSeeds(f)
	for _, q := range samples {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, quote []byte) {
		v, err := Verify(Evidence{Platform: Sim, Quote: quote}, VerifyOptions{AllowSim: true})
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
