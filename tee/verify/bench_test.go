package verify_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// BenchmarkVerify measures what a gatekeeper spends on one registration's
// evidence: a TDX quote (version 4, and version 5 of TDX 1.5), an SEV-SNP report with its collateral (Milan, v2
// report, and Genoa, v3), a sim quote.
func BenchmarkVerify(b *testing.B) {
	sim := simQuotes(b)[0]
	cases := []struct {
		name string
		ev   verify.Evidence
		opts verify.Options
	}{
		{"tdx", teetest.TDXSamples[0].Evidence(b), verify.Options{Now: teetest.SampleNow}},
		{"tdx-v5", verify.Evidence{Platform: verify.TDX, Quote: readFile(b, tdxCollaterals[1].quoteDir, tdxCollaterals[1].quote)}, verify.Options{Now: tdxCollaterals[1].at}},
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

// BenchmarkVerifyWithCollateral measures a registration's verification in
// the transaction path once collateral is on chain: decoding the stored
// collateral, then verifying the evidence against it at the block time.
// TDX: tdx-dcap-qvl-1 with Intel's collateral (four signatures, two CRLs,
// the TCB evaluation). SEV-SNP: the Milan report under a policy (no real
// AMD CRL is among the samples; sevsnp-crl times the CRL's check, decode
// and one RSA-4096 signature, with a CRL of a test key of the ARK's size).
func BenchmarkVerifyWithCollateral(b *testing.B) {
	tdxCol, err := tdxCollateral(b, 0).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	tdxEv := verify.Evidence{Platform: verify.TDX, Quote: readFile(b, tdxCollaterals[0].quoteDir, tdxCollaterals[0].quote)}
	b.Run("tdx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, err := verify.ParseCollateral(verify.TDX, tdxCol)
			if err != nil {
				b.Fatal(err)
			}
			v, err := verify.Verify(tdxEv, verify.Options{Now: tdxCollaterals[0].at, Collateral: c})
			if err != nil || v.TCB.Status != verify.TCBUpToDate {
				b.Fatal(err)
			}
		}
	})
	snpEv := teetest.SNPSamples[0].Evidence(b)
	policy := &verify.SNPPolicy{MinimumTCB: map[string]uint64{"Milan": snpFacts[0].reported}}
	b.Run("sevsnp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := verify.Verify(snpEv, verify.Options{Now: teetest.SampleNow, SNP: policy}); err != nil {
				b.Fatal(err)
			}
		}
	})
	key, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		b.Fatal(err)
	}
	now := teetest.SampleNow
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ARK-Milan"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign, SignatureAlgorithm: x509.SHA384WithRSAPSS}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		b.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		b.Fatal(err)
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour),
		SignatureAlgorithm: x509.SHA384WithRSAPSS}, ca, key)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sevsnp-crl", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			list, err := x509.ParseRevocationList(crl)
			if err != nil {
				b.Fatal(err)
			}
			if err := list.CheckSignatureFrom(ca); err != nil {
				b.Fatal(err)
			}
		}
	})
}
