package tee

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	tdxtestdata "github.com/google/go-tdx-guest/testing/testdata"
)

func TestVerifyTDXSamples(t *testing.T) {
	for _, s := range tdxSamples {
		t.Run(s.file, func(t *testing.T) {
			v, err := Verify(s.evidence(t), VerifyOptions{Now: sampleNow})
			if err != nil {
				t.Fatal(err)
			}
			if v.Platform != TDX {
				t.Errorf("platform %q", v.Platform)
			}
			if want := s.measurement(t); !bytes.Equal(v.Measurement, want) {
				t.Errorf("measurement\n got %x\nwant %x", v.Measurement, want)
			}
			if len(v.Measurement) != 240 {
				t.Errorf("measurement of %d bytes, want 240", len(v.Measurement))
			}
			if got := fmt.Sprintf("%x", v.ReportData); got != s.reportData {
				t.Errorf("report data %s, want %s", got, s.reportData)
			}
			if v.Debug != s.debug {
				t.Errorf("debug %v, want %v", v.Debug, s.debug)
			}
			if want := parseTime(t, s.notAfter); !v.NotAfter.Equal(want) {
				t.Errorf("not after %v, want %v", v.NotAfter, want)
			}
		})
	}
}

func TestVerifyTDXValidityWindow(t *testing.T) {
	for _, s := range tdxSamples {
		ev := s.evidence(t)
		nb, na := parseTime(t, s.notBefore), parseTime(t, s.notAfter)
		for _, c := range []struct {
			now  time.Time
			want error
		}{
			{nb, nil}, // both ends included
			{na, nil},
			{nb.Add(-time.Second), ErrExpired},
			{na.Add(time.Second), ErrExpired},
			{time.Time{}, ErrExpired},
		} {
			_, err := Verify(ev, VerifyOptions{Now: c.now})
			if !errors.Is(err, c.want) {
				t.Errorf("%s at %v: %v, want %v", s.file, c.now, err, c.want)
			}
		}
	}
}

func TestVerifyTDXFlippedBytes(t *testing.T) {
	for _, s := range tdxSamples {
		ev := s.evidence(t)
		for _, i := range tdxFlipBytes {
			bad := Evidence{Platform: TDX, Quote: flip(ev.Quote, i)}
			if _, err := Verify(bad, VerifyOptions{Now: sampleNow}); !errors.Is(err, ErrSignature) {
				t.Errorf("%s byte %d flipped: %v, want ErrSignature", s.file, i, err)
			}
		}
	}
}

func TestVerifyTDXRefusals(t *testing.T) {
	quote := tdxSamples[0].evidence(t).Quote
	withTrailing := func(b ...byte) []byte { return append(append([]byte(nil), quote...), b...) }
	cases := []struct {
		name string
		ev   Evidence
		want error
	}{
		{"collateral", Evidence{Platform: TDX, Quote: quote, Collateral: []byte{0xa0}}, ErrInvalidEvidence},
		{"empty", Evidence{Platform: TDX}, ErrInvalidEvidence},
		{"truncated", Evidence{Platform: TDX, Quote: quote[:1000]}, ErrInvalidEvidence},
		{"non-zero trailing byte", Evidence{Platform: TDX, Quote: withTrailing(1)}, ErrInvalidEvidence},
		{"too large", Evidence{Platform: TDX, Quote: make([]byte, MaxQuoteSize+1)}, ErrInvalidEvidence},
		{"an SNP report", Evidence{Platform: TDX, Quote: readTestdata(t, "snp-trustee-1.report")}, ErrInvalidEvidence},
		{"wrong platform name", Evidence{Platform: "TDX", Quote: quote}, ErrUnknownPlatform},
	}
	for _, c := range cases {
		if _, err := Verify(c.ev, VerifyOptions{Now: sampleNow}); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Zero padding after the signed data is how quote buffers come.
	if _, err := Verify(Evidence{Platform: TDX, Quote: withTrailing(0, 0)}, VerifyOptions{Now: sampleNow}); err != nil {
		t.Errorf("zero padding refused: %v", err)
	}
}

// The QE report is signed by the PCK, so its identity cannot be changed in
// a quote without breaking that signature; checkTDQEIdentity is tested on
// its own.
func TestTDQEIdentity(t *testing.T) {
	quote, _, err := parseTDXQuote(tdxSamples[0].evidence(t).Quote)
	if err != nil {
		t.Fatal(err)
	}
	qe := quote.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetQeReport()
	if err := checkTDQEIdentity(qe); err != nil {
		t.Fatal(err)
	}
	signer := bytes.Clone(qe.MrSigner)
	qe.MrSigner[0] ^= 1
	if err := checkTDQEIdentity(qe); !errors.Is(err, ErrSignature) {
		t.Errorf("another signer: %v", err)
	}
	qe.MrSigner = signer
	qe.IsvProdId = 1
	if err := checkTDQEIdentity(qe); !errors.Is(err, ErrSignature) {
		t.Errorf("another product: %v", err)
	}
	qe.IsvProdId = tdQEISVProdID
	qe.Attributes[0] |= 0x02 // DEBUG
	if err := checkTDQEIdentity(qe); !errors.Is(err, ErrSignature) {
		t.Errorf("debug QE: %v", err)
	}
}

// The pinned root is the root every sample's chain ends in.
func TestIntelRootMatchesSamples(t *testing.T) {
	root, err := intelRoot()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%x", sha256.Sum256(root.Raw)); got != "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3" {
		t.Errorf("root fingerprint %s", got)
	}
	for _, s := range tdxSamples {
		_, chain, err := parseTDXQuote(s.evidence(t).Quote)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(chain.RootCertificate.Raw, root.Raw) {
			t.Errorf("%s: chain ends in another root", s.file)
		}
	}
}

// go-tdx-guest's own sample quote (valid in mid-2023) verifies too, once
// the text the library appended after its signed data (to test that it
// ignores such bytes) is cut off; with it, it is refused.
func TestVerifyTDXLibrarySample(t *testing.T) {
	now := time.Date(2023, 7, 1, 1, 0, 0, 0, time.UTC)
	raw := tdxtestdata.RawQuote
	if _, err := Verify(Evidence{Platform: TDX, Quote: raw}, VerifyOptions{Now: now}); !errors.Is(err, ErrInvalidEvidence) {
		t.Errorf("with trailing text: %v, want ErrInvalidEvidence", err)
	}
	const header, body = 48, 584
	signed := int(binary.LittleEndian.Uint32(raw[header+body:]))
	v, err := Verify(Evidence{Platform: TDX, Quote: raw[:header+body+4+signed]}, VerifyOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Measurement) != tdxMeasurementSize {
		t.Errorf("measurement of %d bytes", len(v.Measurement))
	}
}
