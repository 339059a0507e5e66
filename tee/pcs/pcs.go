package pcs

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/phalanx-net/phalanx/tee/verify"
)

// The vendors' services.
const (
	DefaultIntelURL = "https://api.trustedservices.intel.com"
	DefaultAMDURL   = "https://kdsintf.amd.com"
)

// Intel's PCK certificate authorities, the values of pckcrl's ca
// parameter: a machine's PCK is issued by one of them (its quote's PCK
// chain names which).
const (
	CAPlatform  = "platform"
	CAProcessor = "processor"
)

// Headers in which PCS sends the issuer chain of what it signed, PEM
// percent-encoded.
const (
	headerTCBInfoChain    = "TCB-Info-Issuer-Chain"
	headerQEIdentityChain = "SGX-Enclave-Identity-Issuer-Chain"
	headerPCKCRLChain     = "SGX-PCK-CRL-Issuer-Chain"
)

// maxAnswer bounds what is read of one answer; the largest, a TCB info,
// is about 10 KB.
const maxAnswer = 1 << 20

// Fetcher fetches collateral. Its zero value asks the vendors' services
// with http.DefaultClient.
type Fetcher struct {
	Client *http.Client
	// IntelURL and AMDURL are the base URLs of PCS and KDS (a caching
	// service, or recorded answers in a test); empty is the vendor's.
	IntelURL, AMDURL string
	// RootCRLURL is where Intel's SGX root CA CRL is fetched; empty is
	// the CRL distribution point the PCK CA's certificate names.
	RootCRLURL string
}

var fmspcForm = regexp.MustCompile(`^[0-9A-Fa-f]{12}$`)

// CAOf returns which of Intel's PCK CAs (CAPlatform, CAProcessor) issued
// a PCK certificate, by the issuer's name.
func CAOf(pck *x509.Certificate) (string, error) {
	switch pck.Issuer.CommonName {
	case "Intel SGX PCK Platform CA":
		return CAPlatform, nil
	case "Intel SGX PCK Processor CA":
		return CAProcessor, nil
	}
	return "", fmt.Errorf("PCK certificate issued by %q, not one of Intel's PCK CAs", pck.Issuer.CommonName)
}

// TDX fetches Intel's collateral for the TDX machines of an FMSPC (12 hex
// digits) whose PCKs the CA ca (CAPlatform, CAProcessor) issues. It
// checks the form of what it got, not its signatures (the chain does;
// verify.Collateral.Check does it offline).
func (f Fetcher) TDX(ctx context.Context, fmspc, ca string) (*verify.TDXCollateral, error) {
	if !fmspcForm.MatchString(fmspc) {
		return nil, fmt.Errorf("fmspc %q: want 12 hex digits", fmspc)
	}
	if ca != CAPlatform && ca != CAProcessor {
		return nil, fmt.Errorf("ca %q: want %s or %s", ca, CAPlatform, CAProcessor)
	}
	base := strings.TrimSuffix(or(f.IntelURL, DefaultIntelURL), "/")

	var tcb struct {
		TCBInfo   json.RawMessage `json:"tcbInfo"`
		Signature string          `json:"signature"`
	}
	tcbChain, err := f.getJSON(ctx, base+"/tdx/certification/v4/tcb?fmspc="+strings.ToUpper(fmspc), headerTCBInfoChain, &tcb)
	if err != nil {
		return nil, fmt.Errorf("tdx TCB info: %w", err)
	}
	var qe struct {
		EnclaveIdentity json.RawMessage `json:"enclaveIdentity"`
		Signature       string          `json:"signature"`
	}
	qeChain, err := f.getJSON(ctx, base+"/tdx/certification/v4/qe/identity", headerQEIdentityChain, &qe)
	if err != nil {
		return nil, fmt.Errorf("tdx QE identity: %w", err)
	}
	pckCRL, pckHeader, err := f.get(ctx, base+"/sgx/certification/v4/pckcrl?ca="+ca+"&encoding=der", headerPCKCRLChain)
	if err != nil {
		return nil, fmt.Errorf("tdx PCK CRL: %w", err)
	}
	if pckCRL, err = crlDER(pckCRL); err != nil {
		return nil, fmt.Errorf("tdx PCK CRL: %w", err)
	}
	pckChain, err := issuerChain(pckHeader)
	if err != nil {
		return nil, fmt.Errorf("tdx PCK CRL: %w", err)
	}
	rootURL := f.RootCRLURL
	if rootURL == "" {
		if rootURL, err = crlDistributionPoint(pckChain); err != nil {
			return nil, fmt.Errorf("tdx root CA CRL: %w", err)
		}
	}
	rootCRL, _, err := f.get(ctx, rootURL, "")
	if err != nil {
		return nil, fmt.Errorf("tdx root CA CRL: %w", err)
	}
	if rootCRL, err = crlDER(rootCRL); err != nil {
		return nil, fmt.Errorf("tdx root CA CRL: %w", err)
	}

	// Through the JSON form PCS clients write, so that fetched collateral
	// and collateral saved by another client get the same checks.
	j, err := json.Marshal(map[string]string{
		"tcb_info":                 string(tcb.TCBInfo),
		"tcb_info_signature":       tcb.Signature,
		"tcb_info_issuer_chain":    tcbChain,
		"qe_identity":              string(qe.EnclaveIdentity),
		"qe_identity_signature":    qe.Signature,
		"qe_identity_issuer_chain": qeChain,
		"pck_crl":                  hex.EncodeToString(pckCRL),
		"pck_crl_issuer_chain":     pckChain,
		"root_ca_crl":              hex.EncodeToString(rootCRL),
	})
	if err != nil {
		return nil, err
	}
	return verify.ParseTDXCollateralJSON(j)
}

// SNP fetches AMD's VCEK CRL for an SEV-SNP product line ("Milan",
// "Genoa", ...). It checks its form, not its signature.
func (f Fetcher) SNP(ctx context.Context, product string) (*verify.SNPCRL, error) {
	if !verify.SNPProductLineSupported(product) {
		return nil, fmt.Errorf("product line %q is not supported", product)
	}
	base := strings.TrimSuffix(or(f.AMDURL, DefaultAMDURL), "/")
	crl, _, err := f.get(ctx, base+"/vcek/v1/"+url.PathEscape(product)+"/crl", "")
	if err != nil {
		return nil, fmt.Errorf("sevsnp %s CRL: %w", product, err)
	}
	if crl, err = crlDER(crl); err != nil {
		return nil, fmt.Errorf("sevsnp %s CRL: %w", product, err)
	}
	enc, err := (&verify.SNPCRL{ProductLine: product, CRL: crl}).Marshal()
	if err != nil {
		return nil, err
	}
	return verify.ParseSNPCRL(enc)
}

// getJSON fetches a JSON answer into v and returns the issuer chain sent
// in header, in PEM.
func (f Fetcher) getJSON(ctx context.Context, u, header string, v any) (string, error) {
	body, h, err := f.get(ctx, u, header)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return "", fmt.Errorf("%s: %w", u, err)
	}
	return issuerChain(h)
}

// get fetches u and returns its body and the value of header.
func (f Fetcher) get(ctx context.Context, u, header string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%s: %s: %s", u, resp.Status, bytes.TrimSpace(body[:min(len(body), 200)]))
	}
	if len(body) > maxAnswer {
		return nil, "", fmt.Errorf("%s: answer exceeds %d bytes", u, maxAnswer)
	}
	var h string
	if header != "" {
		if h = resp.Header.Get(header); h == "" {
			return nil, "", fmt.Errorf("%s: no %s header", u, header)
		}
	}
	return body, h, nil
}

// issuerChain decodes a percent-encoded PEM issuer chain. Path unescaping
// keeps a "+" of the base64 text, which query unescaping would turn into
// a space.
func issuerChain(h string) (string, error) {
	pemText, err := url.PathUnescape(h)
	if err != nil {
		return "", fmt.Errorf("issuer chain header: %w", err)
	}
	return pemText, nil
}

// crlDER returns a CRL as DER, from DER, PEM or hex.
func crlDER(b []byte) ([]byte, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	} else if d, err := hex.DecodeString(string(bytes.TrimSpace(b))); err == nil {
		b = d
	}
	if _, err := x509.ParseRevocationList(b); err != nil {
		return nil, fmt.Errorf("not a CRL: %w", err)
	}
	return b, nil
}

// crlDistributionPoint returns the CRL distribution point of the first
// certificate of a PEM chain: the PCK CA's names where Intel publishes
// the root CA's CRL.
func crlDistributionPoint(chain string) (string, error) {
	blk, _ := pem.Decode([]byte(chain))
	if blk == nil {
		return "", errors.New("no certificate in the PCK CRL's issuer chain")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return "", err
	}
	if len(cert.CRLDistributionPoints) == 0 {
		return "", fmt.Errorf("%q names no CRL distribution point", cert.Subject.CommonName)
	}
	return cert.CRLDistributionPoints[0], nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
