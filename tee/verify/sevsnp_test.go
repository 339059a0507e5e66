package verify_test

import (
	"bytes"
	"testing"

	sevtestdata "github.com/google/go-sev-guest/verify/testdata"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// withSigner sets SIGNING_KEY in the report's signer info.
func withSigner(report []byte, key byte) []byte {
	out := bytes.Clone(report)
	out[0x48] = out[0x48]&^0x1c | key<<2
	return out
}

// nonCanonical encodes col with a map header of non-minimal length.
func nonCanonical(t *testing.T, col verify.SNPCollateral) []byte {
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
	s := teetest.SNPSamples[0]
	report := teetest.ReadTestdata(t, s.Name+".report")
	col := s.Collateral(t)
	bad := []verify.Evidence{
		teetest.SNPEvidence(t, report, verify.SNPCollateral{VCEK: col.VCEK}),
		teetest.SNPEvidence(t, report, verify.SNPCollateral{VCEK: col.VCEK, CertChain: teetest.ReadTestdata(t, teetest.SNPSamples[2].Chain)}),
	}
	for _, warm := range []bool{false, true} {
		trust.ClearProductCertCache()
		if warm {
			if _, err := verify.Verify(s.Evidence(t), verify.Options{Now: teetest.SampleNow}); err != nil {
				t.Fatal(err)
			}
		}
		for i, ev := range bad {
			if _, err := verify.Verify(ev, verify.Options{Now: teetest.SampleNow}); err == nil {
				t.Errorf("warm=%v: bad evidence %d verified", warm, i)
			}
		}
		if _, err := verify.Verify(s.Evidence(t), verify.Options{Now: teetest.SampleNow}); err != nil {
			t.Errorf("warm=%v: %v", warm, err)
		}
	}
}

func TestSNPCollateralRoundTrip(t *testing.T) {
	col := teetest.SNPSamples[2].Collateral(t)
	b, err := col.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := verify.ParseSNPCollateral(b)
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
		if got := verify.SNPChainOf(r.ProductCerts.Ask, r.ProductCerts.Ark); !bytes.Equal(got, teetest.ReadTestdata(t, file)) {
			t.Errorf("%s: embedded chain differs from %s", line, file)
		}
	}
}

// go-sev-guest's own sample report and VCEK verify too.
func TestVerifySNPLibrarySample(t *testing.T) {
	ev := teetest.SNPEvidence(t, sevtestdata.AttestationBytes, verify.SNPCollateral{VCEK: sevtestdata.VcekBytes, CertChain: trust.AskArkMilanVcekBytes})
	v, err := verify.Verify(ev, verify.Options{Now: teetest.SampleNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Measurement) != 48 {
		t.Errorf("measurement of %d bytes", len(v.Measurement))
	}
}
