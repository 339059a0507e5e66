package tee

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	sevtestdata "github.com/google/go-sev-guest/verify/testdata"
	"github.com/google/go-sev-guest/verify/trust"
)

func TestVerifySNPSamples(t *testing.T) {
	for _, s := range snpSamples {
		t.Run(s.name, func(t *testing.T) {
			v, err := Verify(s.evidence(t), VerifyOptions{Now: sampleNow})
			if err != nil {
				t.Fatal(err)
			}
			if v.Platform != SEVSNP {
				t.Errorf("platform %q", v.Platform)
			}
			if want := unhex(t, s.measurement); !bytes.Equal(v.Measurement, want) {
				t.Errorf("measurement\n got %x\nwant %x", v.Measurement, want)
			}
			if got := fmt.Sprintf("%x", v.ReportData); got != s.reportData {
				t.Errorf("report data %s, want %s", got, s.reportData)
			}
			if v.Debug {
				t.Error("debug")
			}
			if want := parseTime(t, s.notAfter); !v.NotAfter.Equal(want) {
				t.Errorf("not after %v, want %v", v.NotAfter, want)
			}
		})
	}
}

func TestVerifySNPValidityWindow(t *testing.T) {
	for _, s := range snpSamples {
		ev := s.evidence(t)
		nb, na := parseTime(t, s.notBefore), parseTime(t, s.notAfter)
		for _, c := range []struct {
			now  time.Time
			want error
		}{
			{nb, nil},
			{na, nil},
			{nb.Add(-time.Second), ErrExpired},
			{na.Add(time.Second), ErrExpired},
			{time.Time{}, ErrExpired},
		} {
			_, err := Verify(ev, VerifyOptions{Now: c.now})
			if !errors.Is(err, c.want) {
				t.Errorf("%s at %v: %v, want %v", s.name, c.now, err, c.want)
			}
		}
	}
}

func TestVerifySNPFlippedBytes(t *testing.T) {
	for _, s := range snpSamples {
		ev := s.evidence(t)
		for _, i := range snpFlipBytes {
			bad := Evidence{Platform: SEVSNP, Quote: flip(ev.Quote, i), Collateral: ev.Collateral}
			if _, err := Verify(bad, VerifyOptions{Now: sampleNow}); !errors.Is(err, ErrSignature) {
				t.Errorf("%s byte %#x flipped: %v, want ErrSignature", s.name, i, err)
			}
		}
	}
}

func TestVerifySNPRefusals(t *testing.T) {
	milan, genoa := snpSamples[0], snpSamples[2]
	report := readTestdata(t, milan.name+".report")
	col := milan.collateral(t)
	otherVCEK := readTestdata(t, snpSamples[1].name+".vcek.der") // another Milan chip
	cases := []struct {
		name string
		ev   Evidence
		want error
	}{
		{"no collateral", Evidence{Platform: SEVSNP, Quote: report}, ErrInvalidEvidence},
		{"no VCEK", snpEvidence(t, report, SNPCollateral{CertChain: col.CertChain}), ErrInvalidEvidence},
		{"no chain", snpEvidence(t, report, SNPCollateral{VCEK: col.VCEK}), ErrInvalidEvidence},
		{"another chip's VCEK", snpEvidence(t, report, SNPCollateral{VCEK: otherVCEK, CertChain: col.CertChain}), ErrSignature},
		{"a Milan VCEK for a Genoa report", snpEvidence(t, readTestdata(t, genoa.name+".report"), SNPCollateral{VCEK: col.VCEK, CertChain: readTestdata(t, genoa.chain)}), ErrSignature},
		// A v2 report names its product only through the VCEK, whose
		// name must then carry the stepping; Genoa VCEKs do not.
		{"a Genoa VCEK for a v2 report", snpEvidence(t, report, genoa.collateral(t)), ErrInvalidEvidence},
		{"Genoa chain for a Milan report", snpEvidence(t, report, SNPCollateral{VCEK: col.VCEK, CertChain: readTestdata(t, genoa.chain)}), ErrSignature},
		{"ARK only", snpEvidence(t, report, SNPCollateral{VCEK: col.VCEK, CertChain: col.CertChain[bytes.Index(col.CertChain[1:], []byte("-----BEGIN"))+1:]}), ErrInvalidEvidence},
		{"VCEK in PEM", snpEvidence(t, report, SNPCollateral{VCEK: []byte("-----BEGIN CERTIFICATE-----\n"), CertChain: col.CertChain}), ErrInvalidEvidence},
		{"collateral not canonical", Evidence{Platform: SEVSNP, Quote: report, Collateral: nonCanonical(t, col)}, ErrInvalidEvidence},
		{"short report", snpEvidence(t, report[:1000], col), ErrInvalidEvidence},
		{"long report", snpEvidence(t, append(bytes.Clone(report), 0), col), ErrInvalidEvidence},
		{"a TDX quote", snpEvidence(t, tdxSamples[0].evidence(t).Quote, col), ErrInvalidEvidence},
		{"VLEK signer", snpEvidence(t, withSigner(report, 1), col), ErrInvalidEvidence},
	}
	for _, c := range cases {
		if _, err := Verify(c.ev, VerifyOptions{Now: sampleNow}); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// withSigner sets SIGNING_KEY in the report's signer info.
func withSigner(report []byte, key byte) []byte {
	out := bytes.Clone(report)
	out[0x48] = out[0x48]&^0x1c | key<<2
	return out
}

// nonCanonical encodes col with a map header of non-minimal length.
func nonCanonical(t *testing.T, col SNPCollateral) []byte {
	b, err := col.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0xa2 {
		t.Fatalf("collateral starts with %#x", b[0])
	}
	return append([]byte{0xb8, 0x02}, b[1:]...)
}

// A verdict must not depend on what verified before in the process:
// go-sev-guest caches product chains, and a chain served once must not
// stand in for a missing or wrong one later.
func TestVerifySNPIndependentOfChainCache(t *testing.T) {
	s := snpSamples[0]
	report := readTestdata(t, s.name+".report")
	col := s.collateral(t)
	bad := []Evidence{
		snpEvidence(t, report, SNPCollateral{VCEK: col.VCEK}),
		snpEvidence(t, report, SNPCollateral{VCEK: col.VCEK, CertChain: readTestdata(t, snpSamples[2].chain)}),
	}
	for _, warm := range []bool{false, true} {
		trust.ClearProductCertCache()
		if warm {
			if _, err := Verify(s.evidence(t), VerifyOptions{Now: sampleNow}); err != nil {
				t.Fatal(err)
			}
		}
		for i, ev := range bad {
			if _, err := Verify(ev, VerifyOptions{Now: sampleNow}); err == nil {
				t.Errorf("warm=%v: bad evidence %d verified", warm, i)
			}
		}
		if _, err := Verify(s.evidence(t), VerifyOptions{Now: sampleNow}); err != nil {
			t.Errorf("warm=%v: %v", warm, err)
		}
	}
}

func TestSNPCollateralRoundTrip(t *testing.T) {
	col := snpSamples[2].collateral(t)
	b, err := col.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSNPCollateral(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.VCEK, col.VCEK) || !bytes.Equal(got.CertChain, col.CertChain) {
		t.Error("collateral changed in a round trip")
	}
}

// The sample chains are AMD's, byte for byte as go-sev-guest embeds them.
func TestSNPSampleChainsAreEmbedded(t *testing.T) {
	for line, file := range map[string]string{"Milan": "snp-milan.cert_chain.pem", "Genoa": "snp-genoa.cert_chain.pem"} {
		r := trust.DefaultRootCerts[line]
		if got := snpCertChain(r.ProductCerts.Ask, r.ProductCerts.Ark); !bytes.Equal(got, readTestdata(t, file)) {
			t.Errorf("%s: embedded chain differs from %s", line, file)
		}
	}
}

// go-sev-guest's own sample report and VCEK verify too.
func TestVerifySNPLibrarySample(t *testing.T) {
	ev := snpEvidence(t, sevtestdata.AttestationBytes, SNPCollateral{VCEK: sevtestdata.VcekBytes, CertChain: trust.AskArkMilanVcekBytes})
	v, err := Verify(ev, VerifyOptions{Now: sampleNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Measurement) != 48 {
		t.Errorf("measurement of %d bytes", len(v.Measurement))
	}
}
