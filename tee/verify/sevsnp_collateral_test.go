package verify_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-sev-guest/kds"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// What the SNP samples report (tee/testdata/README.md).
var snpFacts = []struct {
	line     string
	reported uint64
	policy   uint64
}{
	{"Milan", 0x7308000000000003, 0x30000},
	{"Milan", 0x7308000000000003, 0x3001f},
	{"Genoa", 0x541700000000000a, 0x3001f},
}

// minimumAbove returns tcb with its SNP firmware SPL one higher.
func minimumAbove(t *testing.T, tcb uint64) uint64 {
	parts := kds.DecomposeTCBVersion(kds.TCBVersion(tcb))
	parts.SnpSpl++
	v, err := kds.ComposeTCBParts(parts)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(v)
}

func TestVerifySNPPolicy(t *testing.T) {
	for i, s := range teetest.SNPSamples {
		f := snpFacts[i]
		ev := s.Evidence(t)
		// Without a policy, the facts are reported and nothing is judged.
		v, err := verify.Verify(ev, verify.Options{Now: teetest.SampleNow})
		if err != nil {
			t.Fatal(err)
		}
		if v.TCB == nil || v.TCB.ProductLine != f.line || v.TCB.ReportedTCB != f.reported || v.TCB.Policy != f.policy || v.TCB.VMPL != 0 {
			t.Errorf("%s: TCB %+v, want %+v", s.Name, v.TCB, f)
		}
		at := &verify.SNPPolicy{MinimumTCB: map[string]uint64{f.line: f.reported}}
		if _, err := verify.Verify(ev, verify.Options{Now: teetest.SampleNow, SNP: at}); err != nil {
			t.Errorf("%s: minimum at its TCB: %v", s.Name, err)
		}
		zero := &verify.SNPPolicy{MinimumTCB: map[string]uint64{f.line: 0}}
		if _, err := verify.Verify(ev, verify.Options{Now: teetest.SampleNow, SNP: zero}); err != nil {
			t.Errorf("%s: minimum 0: %v", s.Name, err)
		}
		above := &verify.SNPPolicy{MinimumTCB: map[string]uint64{f.line: minimumAbove(t, f.reported)}}
		if _, err := verify.Verify(ev, verify.Options{Now: teetest.SampleNow, SNP: above}); !errors.Is(err, verify.ErrTCBBelowMinimum) {
			t.Errorf("%s: minimum above its TCB: %v, want ErrTCBBelowMinimum", s.Name, err)
		}
		none := &verify.SNPPolicy{MinimumTCB: map[string]uint64{"Turin": 0}}
		if _, err := verify.Verify(ev, verify.Options{Now: teetest.SampleNow, SNP: none}); !errors.Is(err, verify.ErrTCBBelowMinimum) {
			t.Errorf("%s: no minimum for %s: %v, want ErrTCBBelowMinimum", s.Name, f.line, err)
		}
	}
}

// The policy's checks on the real reports with one field changed. A
// changed report no longer verifies (its signature covers every field),
// so the check is run on the parsed report, as Verify runs it after the
// signature.
func TestSNPPolicyRefusals(t *testing.T) {
	for i, s := range teetest.SNPSamples {
		f := snpFacts[i]
		raw := teetest.ReadTestdata(t, s.Name+".report")
		vcekDER := s.Collateral(t).VCEK
		vcek, err := x509.ParseCertificate(vcekDER)
		if err != nil {
			t.Fatal(err)
		}
		exts, err := kds.VcekCertificateExtensions(vcek)
		if err != nil {
			t.Fatal(err)
		}
		policy := &verify.SNPPolicy{MinimumTCB: map[string]uint64{f.line: f.reported}}
		for _, tc := range []struct {
			name    string
			change  func(r *reportFields)
			allowMA bool
			want    error
		}{
			{"as reported", func(*reportFields) {}, false, nil},
			{"debug allowed", func(r *reportFields) { *r.policy |= 1 << 19 }, false, verify.ErrGuestPolicy},
			{"migration agent allowed", func(r *reportFields) { *r.policy |= 1 << 18 }, false, verify.ErrGuestPolicy},
			{"migration agent allowed, and accepted", func(r *reportFields) { *r.policy |= 1 << 18 }, true, nil},
			{"VMPL 1", func(r *reportFields) { *r.vmpl = 1 }, false, verify.ErrGuestPolicy},
			{"VMPL 3", func(r *reportFields) { *r.vmpl = 3 }, false, verify.ErrGuestPolicy},
			{"reported TCB other than the VCEK's", func(r *reportFields) { *r.reported = minimumAbove(t, f.reported) }, false, verify.ErrVCEKTCBMismatch},
		} {
			report, err := verify.ParseSNPReport(raw)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(&reportFields{policy: &report.Policy, vmpl: &report.Vmpl, reported: &report.ReportedTcb})
			p := *policy
			p.AllowMigrationAgent = tc.allowMA
			err = verify.CheckSNPPolicy(report, vcekDER, exts.TCBVersion, f.line, &p)
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: %s: %v, want %v", s.Name, tc.name, err, tc.want)
			}
		}
	}
}

type reportFields struct {
	policy   *uint64
	vmpl     *uint32
	reported *uint64
}

// SNPCRL: its encoding, and the checks real data allows. No real VCEK CRL
// is among the samples, and one cannot be made: it must be signed by the
// line's ARK. So a CRL signed by a test key in the ARK's name is refused
// as a bad signature, and a valid CRL of another line as a mismatch.
func TestSNPCRL(t *testing.T) {
	s := teetest.SNPSamples[0]
	ev := s.Evidence(t)
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := teetest.SampleNow
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ARK-Milan"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)}, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	c := &verify.SNPCRL{ProductLine: "Milan", CRL: forged}
	if c.Scope() != "sevsnp/Milan" || c.Platform() != verify.SEVSNP || !c.Issued().Equal(now.Add(-time.Hour).Truncate(time.Second)) {
		t.Errorf("scope %q, platform %q, issued %s", c.Scope(), c.Platform(), c.Issued())
	}
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := verify.ParseCollateral(verify.SEVSNP, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Check(now); !errors.Is(err, verify.ErrCollateralSignature) {
		t.Errorf("a CRL not signed by the ARK: %v, want ErrCollateralSignature", err)
	}
	if _, err := verify.Verify(ev, verify.Options{Now: now, Collateral: back}); !errors.Is(err, verify.ErrCollateralSignature) {
		t.Errorf("Verify with a CRL not signed by the ARK: %v, want ErrCollateralSignature", err)
	}
	genoa := &verify.SNPCRL{ProductLine: "Genoa", CRL: forged}
	if _, err := verify.Verify(ev, verify.Options{Now: now, Collateral: genoa}); !errors.Is(err, verify.ErrCollateralMismatch) {
		t.Errorf("Genoa's CRL for a Milan report: %v, want ErrCollateralMismatch", err)
	}
	garbage := &verify.SNPCRL{ProductLine: "Milan", CRL: []byte{0x30, 0x00}}
	if err := garbage.Check(now); !errors.Is(err, verify.ErrInvalidCollateral) {
		t.Errorf("a CRL that is not DER: %v, want ErrInvalidCollateral", err)
	}
	for name, c := range map[string]verify.SNPCRL{
		"unknown line": {ProductLine: "Naples", CRL: forged},
		"no CRL":       {ProductLine: "Milan"},
	} {
		b, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := verify.ParseCollateral(verify.SEVSNP, b); !errors.Is(err, verify.ErrInvalidCollateral) {
			t.Errorf("%s: %v, want ErrInvalidCollateral", name, err)
		}
	}
	if _, err := verify.ParseCollateral(verify.Sim, b); !errors.Is(err, verify.ErrInvalidCollateral) {
		t.Errorf("sim collateral: %v, want ErrInvalidCollateral", err)
	}
	tdx := tdxCollateral(t, 0)
	if _, err := verify.Verify(ev, verify.Options{Now: now, Collateral: tdx}); !errors.Is(err, verify.ErrInvalidCollateral) {
		t.Errorf("tdx collateral for sevsnp evidence: %v, want ErrInvalidCollateral", err)
	}
}
