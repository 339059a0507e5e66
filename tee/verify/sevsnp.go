package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sevverify "github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"
	"google.golang.org/protobuf/proto"

	"github.com/phalanx-net/phalanx/chain/codec"
)

// SNPCollateral is the collateral of SEV-SNP evidence: what AMD's Key
// Distribution Service (KDS) serves for the report, gathered by the
// attesting party so that verification fetches nothing. It travels in
// Evidence.Collateral in canonical CBOR.
type SNPCollateral struct {
	// VCEK is the DER certificate of the chip's versioned chip
	// endorsement key at the report's reported TCB, the key that signed
	// the report.
	VCEK []byte `cbor:"1,keyasint"`
	// CertChain is KDS's cert_chain document for the product line: the
	// ASK then the ARK, in PEM.
	CertChain []byte `cbor:"2,keyasint"`
}

// Marshal returns the collateral's canonical encoding.
func (c SNPCollateral) Marshal() ([]byte, error) { return codec.Marshal(c) }

// ParseSNPCollateral decodes collateral written by SNPCollateral.Marshal.
func ParseSNPCollateral(b []byte) (SNPCollateral, error) {
	var c SNPCollateral
	if err := codec.Unmarshal(b, &c); err != nil {
		return SNPCollateral{}, fmt.Errorf("%w: sevsnp collateral: %w", ErrInvalidEvidence, err)
	}
	if len(c.VCEK) == 0 || len(c.CertChain) == 0 {
		return SNPCollateral{}, fmt.Errorf("%w: sevsnp collateral needs the VCEK and the ASK/ARK chain", ErrInvalidEvidence)
	}
	return c, nil
}

// snpPolicyDebug is bit 19 of the guest policy: the host may debug the
// guest, reading its memory.
const snpPolicyDebug = 1 << 19

// snpVerifier verifies raw SEV-SNP attestation reports.
type snpVerifier struct{}

func (snpVerifier) Name() string { return SEVSNP }
func (snpVerifier) Secure() bool { return true }

// Verify verifies a raw SEV-SNP attestation report with go-sev-guest,
// serving the library's two KDS requests from the collateral, with AMD's
// ARK and ASK embedded in the library as the trust anchor.
//
// On go-sev-guest's per-process cache of product chains: the library
// fetches the ASK/ARK chain through the getter once per product line and
// process, and keeps it. Whether the getter is asked therefore depends on
// what ran before in the process, and a chain missing from later evidence
// could pass or fail depending on history. So the chain in the collateral
// is checked here first, byte for byte against the library's embedded
// ASK/ARK for the product line, and refused otherwise. After that the
// getter can always serve the chain, so the library's answer no longer
// depends on its cache; nor does it depend on the cached certificates,
// because the library verifies the VCEK against its embedded roots, never
// against fetched ones.
func (snpVerifier) Verify(ev Evidence, opts Options) (Verified, error) {
	col, err := ParseSNPCollateral(ev.Collateral)
	if err != nil {
		return Verified{}, err
	}
	report, err := ParseSNPReport(ev.Quote)
	if err != nil {
		return Verified{}, err
	}
	vcek, err := x509.ParseCertificate(col.VCEK)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: sevsnp VCEK: %w", ErrInvalidEvidence, err)
	}
	exts, err := kds.VcekCertificateExtensions(vcek)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: sevsnp VCEK: %w", ErrInvalidEvidence, err)
	}

	line, product, err := snpProductLine(report, exts)
	if err != nil {
		return Verified{}, err
	}
	roots, ok := trust.DefaultRootCerts[line]
	if !ok || roots.ProductCerts == nil || roots.ProductCerts.Ask == nil || roots.ProductCerts.Ark == nil {
		return Verified{}, fmt.Errorf("%w: sevsnp product line %q is not supported", ErrInvalidEvidence, line)
	}
	ask, ark := roots.ProductCerts.Ask, roots.ProductCerts.Ark
	if err := checkSNPChain(col.CertChain, line, ask, ark); err != nil {
		return Verified{}, err
	}
	notAfter, err := checkValidity(opts.Now, vcek, ask, ark)
	if err != nil {
		return Verified{}, fmt.Errorf("sevsnp VCEK chain: %w", err)
	}
	// KDS serves, at the URL the library derives from the report, the VCEK
	// of that chip at that TCB. The getter below serves the collateral's
	// VCEK there whatever it is, so check that it is that certificate.
	if !bytes.Equal(exts.HWID, report.GetChipId()) {
		return Verified{}, fmt.Errorf("%w: sevsnp VCEK is for chip %x, the report's is %x", ErrSignature, exts.HWID, report.GetChipId())
	}
	if uint64(exts.TCBVersion) != report.GetReportedTcb() {
		// Both kinds: the evidence does not verify, and why, with its code.
		return Verified{}, fmt.Errorf("%w: %w: sevsnp VCEK is for TCB %#x, the report's is %#x", ErrSignature, ErrVCEKTCBMismatch, uint64(exts.TCBVersion), report.GetReportedTcb())
	}

	getter := kdsCollateral{
		kds.VCEKCertURL(line, report.GetChipId(), kds.TCBVersion(report.GetReportedTcb())): col.VCEK,
		kds.ProductCertChainURL(sevabi.VcekReportSigner, line):                             col.CertChain,
	}
	// SnpReport is RawSnpReport without parsing the bytes a second time.
	if err := sevverify.SnpReport(report, &sevverify.Options{Getter: getter, Now: opts.Now, Product: product}); err != nil {
		return Verified{}, fmt.Errorf("%w: sevsnp: %w", ErrSignature, err)
	}

	if opts.Collateral != nil {
		crl, ok := opts.Collateral.(*SNPCRL)
		if !ok || crl == nil {
			return Verified{}, fmt.Errorf("%w: %T is not sevsnp collateral", ErrInvalidCollateral, opts.Collateral)
		}
		if crl.ProductLine != line {
			return Verified{}, fmt.Errorf("%w: sevsnp collateral is %s's CRL, the report is from a %s", ErrCollateralMismatch, crl.ProductLine, line)
		}
		list, err := crl.check(opts.Now)
		if err != nil {
			return Verified{}, err
		}
		if err := checkNotRevoked("sevsnp VCEK", list, vcek); err != nil {
			return Verified{}, err
		}
	}
	if opts.SNP != nil {
		if err := checkSNPPolicy(report, col.VCEK, exts.TCBVersion, line, opts.SNP); err != nil {
			return Verified{}, fmt.Errorf("sevsnp: %w", err)
		}
	}

	v := Verified{
		Machine:     bytes.Clone(report.GetChipId()),
		Platform:    SEVSNP,
		Measurement: bytes.Clone(report.GetMeasurement()),
		Debug:       report.GetPolicy()&snpPolicyDebug != 0,
		NotAfter:    notAfter,
		TCB: &TCB{
			ProductLine: line,
			ReportedTCB: report.GetReportedTcb(),
			Policy:      report.GetPolicy(),
			VMPL:        report.GetVmpl(),
		},
	}
	copy(v.ReportData[:], report.GetReportData())
	return v, nil
}

// snpProductLine returns the product line of a report signed by a VCEK,
// which names the KDS endpoints and the roots. Reports of version 3 and
// later carry the CPU's family and model; for version 2 only the VCEK
// names it, and the library is told so (product) that it asks for the
// right URLs (it would assume Milan).
func snpProductLine(report *spb.Report, vcek *kds.Extensions) (string, *spb.SevProduct, error) {
	if fms := report.GetCpuid1EaxFms(); fms != 0 {
		return kds.ProductLineFromFms(fms), nil, nil
	}
	p, err := kds.ParseProductName(vcek.ProductName, sevabi.VcekReportSigner)
	if err != nil {
		return "", nil, fmt.Errorf("%w: sevsnp VCEK: %w", ErrInvalidEvidence, err)
	}
	product := proto.Clone(p).(*spb.SevProduct) // the library may write to it
	return kds.ProductLine(product), product, nil
}

// SNPProductLine returns the product line ("Milan", "Genoa", ...) of a raw
// report and the DER VCEK that signed it, without verifying them: the
// line whose ASK/ARK chain (SNPCertChain) and CRL (SNPCRL) apply.
func SNPProductLine(rawReport, vcekDER []byte) (string, error) {
	report, err := ParseSNPReport(rawReport)
	if err != nil {
		return "", err
	}
	vcek, err := x509.ParseCertificate(vcekDER)
	if err != nil {
		return "", fmt.Errorf("%w: sevsnp VCEK: %w", ErrInvalidEvidence, err)
	}
	exts, err := kds.VcekCertificateExtensions(vcek)
	if err != nil {
		return "", fmt.Errorf("%w: sevsnp VCEK: %w", ErrInvalidEvidence, err)
	}
	line, _, err := snpProductLine(report, exts)
	return line, err
}

// ParseSNPReport decodes a raw attestation report, refusing what Verify
// would not handle, without verifying it: an attester reads its chip id,
// TCB and measurement from it.
func ParseSNPReport(raw []byte) (*spb.Report, error) {
	// ReportToProto accepts and ignores bytes after the report.
	if len(raw) != sevabi.ReportSize {
		return nil, fmt.Errorf("%w: sevsnp report of %d bytes, want %d", ErrInvalidEvidence, len(raw), sevabi.ReportSize)
	}
	if err := sevabi.ValidateReportFormat(raw); err != nil {
		return nil, fmt.Errorf("%w: sevsnp report: %w", ErrInvalidEvidence, err)
	}
	report, err := sevabi.ReportToProto(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: sevsnp report: %w", ErrInvalidEvidence, err)
	}
	if report.GetSignatureAlgo() != sevabi.SignEcdsaP384Sha384 {
		return nil, fmt.Errorf("%w: sevsnp report signature algorithm %d", ErrInvalidEvidence, report.GetSignatureAlgo())
	}
	info, err := sevabi.ParseSignerInfo(report.GetSignerInfo())
	if err != nil {
		return nil, fmt.Errorf("%w: sevsnp report: %w", ErrInvalidEvidence, err)
	}
	// A VLEK (a cloud provider's key) would need its certificate from the
	// provider; only the chip's own VCEK is supported.
	if info.SigningKey != sevabi.VcekReportSigner {
		return nil, fmt.Errorf("%w: sevsnp report signed by %v, only VCEK is supported", ErrInvalidEvidence, info.SigningKey)
	}
	return report, nil
}

// checkSNPChain checks that chain is exactly KDS's cert_chain document
// for the product line (see verifySNP for why).
func checkSNPChain(chain []byte, line string, ask, ark *x509.Certificate) error {
	if bytes.Equal(chain, snpCertChain(ask, ark)) {
		return nil
	}
	if _, _, err := kds.ParseProductCertChain(chain); err != nil {
		return fmt.Errorf("%w: sevsnp cert chain: %w", ErrInvalidEvidence, err)
	}
	return fmt.Errorf("%w: sevsnp cert chain is not AMD's ASK and ARK for %s", ErrSignature, line)
}

// SNPCertChain returns the ASK/ARK chain of a product line ("Milan",
// "Genoa", ...) as Verify requires it in the collateral: the chain
// embedded in go-sev-guest, which is what AMD's KDS serves.
func SNPCertChain(line string) ([]byte, error) {
	roots, ok := trust.DefaultRootCerts[line]
	if !ok || roots.ProductCerts == nil {
		return nil, fmt.Errorf("sevsnp: product line %q is not supported", line)
	}
	return snpCertChain(roots.ProductCerts.Ask, roots.ProductCerts.Ark), nil
}

// snpCertChain returns the cert_chain document KDS serves for a product
// line: the ASK, then the ARK, in PEM.
func snpCertChain(ask, ark *x509.Certificate) []byte {
	return append(
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ask.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ark.Raw})...)
}

// kdsCollateral stands in for AMD's KDS during verification: it serves
// the evidence's collateral at the URLs the library asks for, and nothing
// else. It implements the library's trust.HTTPSGetter.
type kdsCollateral map[string][]byte

// Get returns the collateral served at url.
func (k kdsCollateral) Get(url string) ([]byte, error) {
	b, ok := k[url]
	if !ok {
		return nil, fmt.Errorf("%s is not in the evidence's collateral", url)
	}
	return b, nil
}
