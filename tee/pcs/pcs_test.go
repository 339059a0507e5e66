package pcs_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/tee/pcs"
	"github.com/phalanx-net/phalanx/tee/pcs/pcstest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Intel's real answers for the FMSPC of the tdx-dcap-qvl-1 quote, as a
// PCS client recorded them.
const (
	sample      = "../verify/testdata/tdx-dcap-qvl-1.collateral.json"
	sampleFMSPC = "B0C06F000000"
)

func recorded(t *testing.T) (pcstest.Recorded, []byte) {
	t.Helper()
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pcstest.ParseRecorded(sampleFMSPC, raw)
	if err != nil {
		t.Fatal(err)
	}
	return r, raw
}

// toServer sends every request to the test server, whatever its host:
// the root CA CRL's address comes from Intel's certificate.
type toServer struct{ srv *url.URL }

func (t toServer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = t.srv.Scheme, t.srv.Host
	return http.DefaultTransport.RoundTrip(req)
}

func TestFetchTDXFromRecordedAnswers(t *testing.T) {
	r, raw := recorded(t)
	srv := pcstest.NewServer(r)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	f := pcs.Fetcher{Client: &http.Client{Transport: toServer{u}}, IntelURL: srv.URL}
	got, err := f.TDX(context.Background(), strings.ToLower(sampleFMSPC), pcs.CAPlatform)
	if err != nil {
		t.Fatal(err)
	}
	want, err := verify.ParseTDXCollateralJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := got.Marshal()
	wb, _ := want.Marshal()
	if !bytes.Equal(gb, wb) {
		t.Fatal("the fetched collateral is not the recorded one")
	}
	if err := got.Check(time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("the fetched collateral does not check: %v", err)
	}
	wantReqs := []string{
		"/tdx/certification/v4/tcb?fmspc=" + sampleFMSPC,
		"/tdx/certification/v4/qe/identity",
		"/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
		pcstest.RootCRLPath, // from the PCK CA certificate's distribution point
	}
	if !slices.Equal(srv.Requests(), wantReqs) {
		t.Fatalf("requests %q, want %q", srv.Requests(), wantReqs)
	}

	// An FMSPC PCS does not know is its 404.
	if _, err := f.TDX(context.Background(), "00906ED50000", pcs.CAPlatform); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("an unknown FMSPC: %v", err)
	}
	if _, err := f.TDX(context.Background(), "B0C06F", pcs.CAPlatform); err == nil {
		t.Fatal("a short FMSPC is asked for")
	}
}

func TestFetchSNPCRL(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ARK-Milan"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	issuer, _ := x509.ParseCertificate(der)
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(24 * time.Hour)}, issuer, key)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := recorded(t)
	r.SNP["Milan"] = crl
	srv := pcstest.NewServer(r)
	defer srv.Close()
	f := pcs.Fetcher{AMDURL: srv.URL}
	got, err := f.SNP(context.Background(), "Milan")
	if err != nil {
		t.Fatal(err)
	}
	if got.ProductLine != "Milan" || !bytes.Equal(got.CRL, crl) || got.Scope() != "sevsnp/Milan" {
		t.Fatalf("fetched %+v", got)
	}
	// Signed by a key that is not AMD's ARK: the chain would refuse it.
	if err := got.Check(time.Now()); err == nil {
		t.Fatal("a CRL not signed by the ARK checks")
	}
	if _, err := f.SNP(context.Background(), "Genoa"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("a line without a CRL: %v", err)
	}
	if _, err := f.SNP(context.Background(), "Naples"); err == nil {
		t.Fatal("an unsupported line is asked for")
	}
}

// The CA of a PCK is named by its issuer: Intel's platform and processor
// CAs, nothing else.
func TestCAOf(t *testing.T) {
	for name, want := range map[string]string{"Intel SGX PCK Platform CA": pcs.CAPlatform, "Intel SGX PCK Processor CA": pcs.CAProcessor, "Intel SGX Root CA": ""} {
		got, err := pcs.CAOf(&x509.Certificate{Issuer: pkix.Name{CommonName: name}})
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
}
