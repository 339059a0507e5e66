package verify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tdxabi "github.com/google/go-tdx-guest/abi"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
	tdxverify "github.com/google/go-tdx-guest/verify"

	"github.com/phalanx-net/phalanx/tee/pcs/pcstest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Intel's collateral for two TDX quotes (testdata/*.collateral.json, in
// the JSON form PCS clients write), and a time inside each set's window:
// the window of a set is where the windows of its TCB info, QE identity,
// both CRLs and their signers meet.
var tdxCollaterals = []struct {
	quote, collateral string
	quoteDir          string
	at                time.Time
	notBefore         time.Time // the latest issue of its parts
	notAfter          time.Time // the earliest next update
	fmspc             string
}{
	{
		quote: "tdx-dcap-qvl-1.quote", quoteDir: "../testdata", collateral: "tdx-dcap-qvl-1.collateral.json",
		at:        time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC),
		notBefore: time.Date(2025, 6, 19, 10, 32, 27, 0, time.UTC), // QE identity issueDate
		notAfter:  time.Date(2025, 7, 19, 10, 0, 35, 0, time.UTC),  // PCK CRL nextUpdate
		fmspc:     "B0C06F000000",
	},
	{
		quote: "tdx-dcap-qvl-outdated.quote", quoteDir: "testdata", collateral: "tdx-dcap-qvl-outdated.collateral.json",
		at:    time.Date(2026, 2, 19, 0, 0, 0, 0, time.UTC),
		fmspc: "90C06F000000",
	},
}

func readFile(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tdxCollateral(t testing.TB, i int) *verify.TDXCollateral {
	t.Helper()
	c, err := verify.ParseTDXCollateralJSON(readFile(t, "testdata", tdxCollaterals[i].collateral))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTDXCollateralChecks(t *testing.T) {
	for i, s := range tdxCollaterals {
		c := tdxCollateral(t, i)
		if err := c.Check(s.at); err != nil {
			t.Errorf("%s at %s: %v", s.collateral, s.at, err)
		}
		if got := c.Scope(); got != "tdx/fmspc/"+s.fmspc {
			t.Errorf("%s: scope %q", s.collateral, got)
		}
		if c.Platform() != verify.TDX {
			t.Errorf("%s: platform %q", s.collateral, c.Platform())
		}
		b, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := verify.ParseCollateral(verify.TDX, b)
		if err != nil {
			t.Fatal(err)
		}
		again, err := back.Marshal()
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("%s: round trip changed the encoding (%v)", s.collateral, err)
		}
	}
}

// tdx-dcap-qvl-1 is up to date by its collateral of 2025-06-19: its
// platform matches the newest TCB level of FMSPC B0C06F000000 (PCE SVN 11,
// TDX late microcode SVN 3), its TDX module 1.x the newest level of
// TDX_01 (SVN 6 ≥ 4), and its quoting enclave the only QE level (SVN 6 ≥ 4).
func TestVerifyTDXWithCollateral(t *testing.T) {
	s := tdxCollaterals[0]
	ev := verify.Evidence{Platform: verify.TDX, Quote: readFile(t, s.quoteDir, s.quote)}
	c := tdxCollateral(t, 0)
	without, err := verify.Verify(ev, verify.Options{Now: s.at})
	if err != nil {
		t.Fatal(err)
	}
	if without.TCB != nil {
		t.Errorf("TCB %+v without collateral", without.TCB)
	}
	for _, at := range []time.Time{s.at, s.notBefore, s.notAfter} {
		v, err := verify.Verify(ev, verify.Options{Now: at, Collateral: c})
		if err != nil {
			t.Fatalf("at %s: %v", at, err)
		}
		want := verify.TCB{Status: verify.TCBUpToDate, Date: time.Date(2024, 3, 13, 0, 0, 0, 0, time.UTC), FMSPC: s.fmspc}
		if v.TCB == nil || v.TCB.Status != want.Status || len(v.TCB.AdvisoryIDs) != 0 || !v.TCB.Date.Equal(want.Date) || v.TCB.FMSPC != want.FMSPC {
			t.Errorf("at %s: TCB %+v, want %+v", at, v.TCB, want)
		}
		if !bytes.Equal(v.Measurement, without.Measurement) || v.ReportData != without.ReportData {
			t.Error("collateral changed the measurement or report data")
		}
	}
	// One second outside the window at either end.
	for _, at := range []time.Time{s.notBefore.Add(-time.Second), s.notAfter.Add(time.Second), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := verify.Verify(ev, verify.Options{Now: at, Collateral: c}); !errors.Is(err, verify.ErrCollateralExpired) {
			t.Errorf("at %s: %v, want ErrCollateralExpired", at, err)
		}
	}
	// Another FMSPC's collateral, valid at its own time.
	other := tdxCollateral(t, 1)
	if _, err := verify.Verify(ev, verify.Options{Now: tdxCollaterals[1].at, Collateral: other}); !errors.Is(err, verify.ErrCollateralMismatch) {
		t.Errorf("another FMSPC's collateral: %v, want ErrCollateralMismatch", err)
	}
	// Another platform's collateral.
	crl := &verify.SNPCRL{ProductLine: "Milan", CRL: []byte{1}}
	if _, err := verify.Verify(ev, verify.Options{Now: s.at, Collateral: crl}); !errors.Is(err, verify.ErrInvalidCollateral) {
		t.Errorf("sevsnp collateral: %v, want ErrInvalidCollateral", err)
	}
}

// flipped returns b with one byte changed at i (negative: from the end).
func flipped(b []byte, i int) []byte {
	out := bytes.Clone(b)
	if i < 0 {
		i += len(out)
	}
	out[i] ^= 0x01
	return out
}

// Tampered collateral is refused, each with the error that names it.
func TestTDXCollateralTampered(t *testing.T) {
	s := tdxCollaterals[0]
	ev := verify.Evidence{Platform: verify.TDX, Quote: readFile(t, s.quoteDir, s.quote)}
	good := tdxCollateral(t, 0)
	pckCA := good.PCKCRLIssuerChain[0]
	cases := []struct {
		name   string
		change func(c *verify.TDXCollateral)
		want   error
	}{
		// "tcbEvaluationDataNumber":17 becomes 16: valid JSON, Intel's
		// signature no longer over it.
		{"one byte of tcb_info", func(c *verify.TDXCollateral) {
			i := bytes.Index(c.TCBInfo, []byte(`"tcbEvaluationDataNumber":17`))
			c.TCBInfo = flipped(c.TCBInfo, i+len(`"tcbEvaluationDataNumber":1`))
		}, verify.ErrCollateralSignature},
		{"one byte of qe_identity", func(c *verify.TDXCollateral) { c.QEIdentity = flipped(c.QEIdentity, 10) }, verify.ErrCollateralSignature},
		{"tcb_info signature", func(c *verify.TDXCollateral) { c.TCBInfoSignature = flipped(c.TCBInfoSignature, 5) }, verify.ErrCollateralSignature},
		{"qe_identity signature", func(c *verify.TDXCollateral) { c.QEIdentitySignature = flipped(c.QEIdentitySignature, -1) }, verify.ErrCollateralSignature},
		{"PCK CRL signature", func(c *verify.TDXCollateral) { c.PCKCRL = flipped(c.PCKCRL, -1) }, verify.ErrCollateralSignature},
		{"root CA CRL signature", func(c *verify.TDXCollateral) { c.RootCACRL = flipped(c.RootCACRL, -1) }, verify.ErrCollateralSignature},
		{"TCB info signed by the PCK CA", func(c *verify.TDXCollateral) { c.TCBInfoIssuerChain = [][]byte{pckCA, c.TCBInfoIssuerChain[1]} }, verify.ErrCollateralSignature},
		{"issuer chain ending in another root", func(c *verify.TDXCollateral) { c.QEIdentityIssuerChain = [][]byte{c.QEIdentityIssuerChain[0], pckCA} }, verify.ErrCollateralSignature},
		{"signature of 63 bytes", func(c *verify.TDXCollateral) { c.TCBInfoSignature = c.TCBInfoSignature[:63] }, verify.ErrCollateralSignature},
		{"PCK CRL not DER", func(c *verify.TDXCollateral) { c.PCKCRL = c.PCKCRL[:100] }, verify.ErrInvalidCollateral},
	}
	for _, tc := range cases {
		c := *good
		tc.change(&c)
		if err := c.Check(s.at); !errors.Is(err, tc.want) {
			t.Errorf("%s: Check: %v, want %v", tc.name, err, tc.want)
		}
		if _, err := verify.Verify(ev, verify.Options{Now: s.at, Collateral: &c}); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := good.Check(s.notAfter.Add(time.Second)); !errors.Is(err, verify.ErrCollateralExpired) {
		t.Errorf("after the window: %v, want ErrCollateralExpired", err)
	}
}

// A CRL that lists the quote's PCK certificate cannot be made for a real
// quote: it must be signed by Intel's PCK CA, and the verifier takes no
// other root (Intel's is compiled in, and go-tdx-guest's TrustedRoots is
// not what checks the collateral). So the revocation path is tested as
// far as real data goes: the real PCK CRL revokes real certificates, and
// a certificate with one of their serials is refused; the quote's PCK is
// not among them; and a CRL listing the PCK signed by anyone else is
// refused as a bad signature, not taken as a revocation.
func TestTDXRevocation(t *testing.T) {
	s := tdxCollaterals[0]
	good := tdxCollateral(t, 0)
	crl, err := x509.ParseRevocationList(good.PCKCRL)
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.RevokedCertificateEntries) == 0 {
		t.Fatal("the sample PCK CRL revokes nothing")
	}
	listed := &x509.Certificate{SerialNumber: crl.RevokedCertificateEntries[0].SerialNumber}
	if err := verify.CheckNotRevoked("a revoked PCK", crl, listed); !errors.Is(err, verify.ErrCertificateRevoked) {
		t.Errorf("a serial the CRL lists: %v, want ErrCertificateRevoked", err)
	}
	pck := quotePCK(t, readFile(t, s.quoteDir, s.quote))
	if err := verify.CheckNotRevoked("the quote's PCK", crl, pck); err != nil {
		t.Errorf("the quote's PCK: %v", err)
	}

	// A CRL listing the PCK, issued in the PCK CA's name by a test key.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Intel SGX PCK Platform CA"},
		NotBefore: s.at.AddDate(-1, 0, 0), NotAfter: s.at.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: s.at.Add(-time.Hour), NextUpdate: s.at.Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: pck.SerialNumber, RevocationTime: s.at.Add(-time.Hour)}},
	}, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	c := *good
	c.PCKCRL = forged
	ev := verify.Evidence{Platform: verify.TDX, Quote: readFile(t, s.quoteDir, s.quote)}
	if _, err := verify.Verify(ev, verify.Options{Now: s.at, Collateral: &c}); !errors.Is(err, verify.ErrCollateralSignature) {
		t.Errorf("a CRL not signed by Intel: %v, want ErrCollateralSignature", err)
	}
	c.PCKCRLIssuerChain = [][]byte{caDER, good.PCKCRLIssuerChain[1]}
	if _, err := verify.Verify(ev, verify.Options{Now: s.at, Collateral: &c}); !errors.Is(err, verify.ErrCollateralSignature) {
		t.Errorf("a CRL with a forged CA: %v, want ErrCollateralSignature", err)
	}
}

// quotePCK returns the first certificate in a quote's PEM chain.
func quotePCK(t *testing.T, quote []byte) *x509.Certificate {
	t.Helper()
	i := bytes.Index(quote, []byte("-----BEGIN CERTIFICATE-----"))
	if i < 0 {
		t.Fatal("no PEM certificate in the quote")
	}
	b, _ := pem.Decode(quote[i:])
	if b == nil {
		t.Fatal("bad PEM in the quote")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tdx-dcap-qvl-outdated is a version 5 quote (TD report 1.5). Its
// signatures, PCK chain, quoting enclave and collateral verify; by Intel's
// rules its TCB is not OutOfDate but below every TCB level Intel's
// collateral of 2026-02-18 lists for FMSPC 90C06F000000: its PCK
// certificate's eighth SGX component (SEAMLDR ACM) has SVN 3, and every
// level asks for 5. Intel compares TCB levels component by component; a
// verifier that compares the components as one string (dcap-qvl does)
// matches the second level and calls it OutOfDate. Its TDX module (1.x,
// SVN 7) and quoting enclave (SVN 7) are up to date.
func TestTDXOutdatedSample(t *testing.T) {
	s := tdxCollaterals[1]
	c := tdxCollateral(t, 1)
	quote := readFile(t, s.quoteDir, s.quote)
	if v := binary.LittleEndian.Uint16(quote); v != 5 {
		t.Fatalf("quote version %d", v)
	}
	const header = 48
	if typ := binary.LittleEndian.Uint16(quote[header:]); typ != 3 {
		t.Fatalf("body type %d, want 3 (TD report 1.5)", typ)
	}
	ev := verify.Evidence{Platform: verify.TDX, Quote: quote}
	_, err := verify.Verify(ev, verify.Options{Now: s.at, Collateral: c})
	if !errors.Is(err, verify.ErrTCBBelowMinimum) {
		t.Fatalf("outdated sample: %v, want ErrTCBBelowMinimum", err)
	}
	if !strings.Contains(err.Error(), "CPU SVN 03030202040100030000000000000000") || !strings.Contains(err.Error(), "FMSPC 90C06F000000") {
		t.Errorf("the refusal does not name the platform's TCB: %v", err)
	}
	// Without collateral it verifies as far as the quote goes: a TD of
	// TDX 1.5, its measurement read from the version 5 body.
	v, err := verify.Verify(ev, verify.Options{Now: s.at})
	if err != nil {
		t.Fatalf("without collateral: %v", err)
	}
	if len(v.Measurement) != verify.TDXMeasurementSize || v.TCB != nil || len(v.Machine) != 16 {
		t.Errorf("verified %d-byte measurement, TCB %v, machine %x", len(v.Measurement), v.TCB, v.Machine)
	}
	const bodyAt = header + 6
	if mrtd := quote[bodyAt+136 : bodyAt+184]; !bytes.Equal(v.Measurement[:48], mrtd) {
		t.Errorf("MRTD %x, the body's is %x", v.Measurement[:48], mrtd)
	}
	// One byte of the TD report changed: the QE's signature fails.
	bad := bytes.Clone(quote)
	bad[bodyAt+200] ^= 1
	if _, err := verify.Verify(verify.Evidence{Platform: verify.TDX, Quote: bad}, verify.Options{Now: s.at}); !errors.Is(err, verify.ErrSignature) {
		t.Errorf("altered version 5 body: %v, want ErrSignature", err)
	}
	// It is no migratable TD and bound to no service TD; one that were
	// would be refused (the body's signature aside).
	parsed, _, err := verify.ParseTDXQuote(quote)
	if err != nil {
		t.Fatal(err)
	}
	body := verify.TDXBody(parsed)
	if err := verify.CheckTDAttributes(body); err != nil {
		t.Fatal(err)
	}
	v5 := body.(*tdxpb.TDQuoteBodyV5)
	v5.MrServiceTd[0] = 1
	if err := verify.CheckTDAttributes(body); !errors.Is(err, verify.ErrTDAttributes) {
		t.Errorf("a TD bound to a service TD: %v", err)
	}
	v5.MrServiceTd[0] = 0
	v5.TdAttributes[3] |= 0x20
	if err := verify.CheckTDAttributes(body); !errors.Is(err, verify.ErrTDAttributes) {
		t.Errorf("a migratable TD: %v", err)
	}
	// The canonical form of a canonical quote is itself.
	if canon, err := verify.CanonicalTDXQuote(quote); err != nil || !bytes.Equal(canon, quote) {
		t.Errorf("CanonicalTDXQuote changed a canonical version 5 quote (%v)", err)
	}
}

// go-tdx-guest's own evaluation, given the same collateral by PCS's API
// served locally, agrees: tdx-dcap-qvl-1 is up to date, and
// tdx-dcap-qvl-outdated matches no TCB level (it would name OutOfDate if
// it matched one).
func TestTDXTCBAgreesWithGoTDXGuest(t *testing.T) {
	roots := x509.NewCertPool()
	root, err := verify.IntelRoot()
	if err != nil {
		t.Fatal(err)
	}
	roots.AddCert(root)
	for i, want := range []string{"", "no matching TCB level"} {
		s := tdxCollaterals[i]
		rec, err := pcstest.ParseRecorded(s.fmspc, readFile(t, "testdata", s.collateral))
		if err != nil {
			t.Fatal(err)
		}
		srv := pcstest.NewServer(rec)
		parsed, err := tdxabi.QuoteToProto(readFile(t, s.quoteDir, s.quote))
		if err != nil {
			t.Fatal(err)
		}
		now := &tdxverify.TimeSet{PckCertChain: s.at, TcbInfo: s.at, QeIdentity: s.at, PckCrl: s.at, RootCaCrl: s.at}
		opts := &tdxverify.Options{GetCollateral: true, CheckRevocations: true, Getter: localPCS{srv.URL}, Now: now, TrustedRoots: roots}
		err = tdxverify.TdxQuote(parsed, opts)
		srv.Close()
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: go-tdx-guest: %v", s.quote, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: go-tdx-guest: %v, want %q", s.quote, err, want)
		}
		if n := len(srv.Requests()); n < 4 {
			t.Errorf("%s: go-tdx-guest fetched %d collateral parts, want 4", s.quote, n)
		}
	}
}

// localPCS answers go-tdx-guest's requests to Intel's hosts from a local
// server.
type localPCS struct{ base string }

func (l localPCS) Get(raw string) (map[string][]string, []byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	resp, err := http.Get(l.base + u.RequestURI())
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("%s: %s", raw, resp.Status)
	}
	return resp.Header, body, nil
}

// The statuses other than UpToDate, with Intel's real collateral and
// tdx-dcap-qvl-1's PCK certificate, its TEE_TCB_SVN or its quoting
// enclave's SVN lowered: what each level and identity says, converged.
func TestTDXStatusConvergence(t *testing.T) {
	s := tdxCollaterals[0]
	quote := readFile(t, s.quoteDir, s.quote)
	pck := quotePCK(t, quote).Raw
	const bodyStart = 48
	tee := bytes.Clone(quote[bodyStart : bodyStart+16])
	mrSignerSeam, seamAttributes := quote[bodyStart+64:bodyStart+112], quote[bodyStart+112:bodyStart+120]
	withSVN := func(i int, v byte) []byte { b := bytes.Clone(tee); b[i] = v; return b }
	for _, tc := range []struct {
		name       string
		c          *verify.TDXCollateral
		at         time.Time
		teeTCBSVN  []byte
		qeSVN      uint32
		status     string
		advisories int
		err        error
	}{
		{"as quoted", tdxCollateral(t, 0), s.at, tee, 6, verify.TCBUpToDate, 0, nil},
		// TDX_01 at SVN 3 matches its OutOfDate level (SVN 2).
		{"TDX module SVN 3", tdxCollateral(t, 0), s.at, withSVN(0, 3), 6, verify.TCBOutOfDate, 0, nil},
		{"TDX module SVN 1", tdxCollateral(t, 0), s.at, withSVN(0, 1), 6, "", 0, verify.ErrTCBBelowMinimum},
		{"TDX module 0x02, unknown", tdxCollateral(t, 0), s.at, withSVN(1, 2), 6, "", 0, verify.ErrTCBBelowMinimum},
		// A quoting enclave below every level of its identity is Revoked.
		{"QE SVN 3", tdxCollateral(t, 0), s.at, tee, 3, verify.TCBRevoked, 0, nil},
		// Late microcode SVN 1, below both levels' 2.
		{"TDX late microcode SVN 1", tdxCollateral(t, 0), s.at, withSVN(2, 1), 6, "", 0, verify.ErrTCBBelowMinimum},
		// Against the newer collateral of another FMSPC (the evaluation
		// does not look at the FMSPC; verification does): PCE SVN 11
		// matches only its oldest level, OutOfDate with 19 advisories,
		// and TDX_01 at SVN 4 adds its OutOfDate level's two (already
		// among them).
		{"newer levels", tdxCollateral(t, 1), tdxCollaterals[1].at, withSVN(0, 4), 6, verify.TCBOutOfDate, 19, nil},
	} {
		status, adv, err := verify.EvaluateTDXTCB(tc.c, tc.at, pck, tc.teeTCBSVN, mrSignerSeam, seamAttributes, tc.qeSVN)
		if !errors.Is(err, tc.err) || err == nil && (status != tc.status || len(adv) != tc.advisories) {
			t.Errorf("%s: %s %v %v, want %s with %d advisories, error %v", tc.name, status, adv, err, tc.status, tc.advisories, tc.err)
		}
		if !slices.IsSorted(adv) {
			t.Errorf("%s: advisories not sorted: %v", tc.name, adv)
		}
	}
	if got := verify.ConvergeTDXStatus(verify.TCBConfigurationNeeded, verify.TCBOutOfDate); got != verify.TCBOutOfDateConfigurationNeeded {
		t.Errorf("configuration needed, module out of date: %s", got)
	}
	if got := verify.ConvergeTDXStatus(verify.TCBSWHardeningNeeded, verify.TCBUpToDate); got != verify.TCBSWHardeningNeeded {
		t.Errorf("SW hardening needed, module up to date: %s", got)
	}
}

// The scope read from evidence before verification is the scope of the
// collateral that verifies it, and the collateral's expiry is its
// earliest part's.
func TestEvidenceScopeAndCollateralExpiry(t *testing.T) {
	s := tdxCollaterals[0]
	ev := verify.Evidence{Platform: verify.TDX, Quote: readFile(t, s.quoteDir, s.quote)}
	scope, err := verify.EvidenceScope(ev)
	if err != nil {
		t.Fatal(err)
	}
	c := tdxCollateral(t, 0)
	if scope != c.Scope() {
		t.Fatalf("evidence scope %q, collateral scope %q", scope, c.Scope())
	}
	if got := verify.CollateralExpires(c); !got.Equal(s.notAfter) {
		t.Fatalf("collateral expires %s, want %s", got, s.notAfter)
	}
	if scope, err := verify.EvidenceScope(verify.Evidence{Platform: verify.Sim}); err != nil || scope != "" {
		t.Fatalf("sim scope %q, %v", scope, err)
	}
	if _, err := verify.EvidenceScope(verify.Evidence{Platform: verify.TDX, Quote: []byte{1}}); !errors.Is(err, verify.ErrInvalidEvidence) {
		t.Fatalf("a bad quote: %v", err)
	}
	snp := verify.Evidence{Platform: verify.SEVSNP, Quote: readFile(t, "../testdata", "snp-virtee-sev-1.report")}
	col, err := verify.SNPCollateral{VCEK: readFile(t, "../testdata", "snp-virtee-sev-1.vcek.der"), CertChain: []byte("x")}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	snp.Collateral = col
	if scope, err := verify.EvidenceScope(snp); err != nil || scope != "sevsnp/Milan" {
		t.Fatalf("sevsnp scope %q, %v", scope, err)
	}
}
