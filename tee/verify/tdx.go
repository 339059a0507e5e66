package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"

	tdxabi "github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
	tdxverify "github.com/google/go-tdx-guest/verify"
)

// TDX measurement layout: MRTD, then RTMR0..3, 48 bytes each.
const (
	tdxRegisterSize    = 48
	tdxRTMRs           = 4
	tdxMeasurementSize = tdxRegisterSize * (1 + tdxRTMRs)
)

// tdAttributesDebug is bit 0 of TD_ATTRIBUTES: the host may read and
// write the TD's memory.
const tdAttributesDebug = 0x01

// tdAttributesMigratable is bit 29 of TD_ATTRIBUTES (in its fourth byte,
// little-endian): a migration TD may export the TD's memory and state.
const tdAttributesMigratable = 0x20

// tdxVerifier verifies raw TDX DCAP quotes, versions 4 and 5 (a TD report
// of TDX 1.0 or 1.5), with go-tdx-guest: no collateral getter, no
// revocation fetching, Intel's root pinned.
type tdxVerifier struct{}

func (tdxVerifier) Name() string { return TDX }
func (tdxVerifier) Secure() bool { return true }

// Verify verifies a TDX quote; see the package's Verify for what is
// checked.
func (tdxVerifier) Verify(ev Evidence, opts Options) (Verified, error) {
	if len(ev.Collateral) != 0 {
		return Verified{}, fmt.Errorf("%w: tdx evidence carries no collateral (its PCK chain is inside the quote), got %d bytes", ErrInvalidEvidence, len(ev.Collateral))
	}
	quote, chain, err := parseTDXQuote(ev.Quote)
	if err != nil {
		return Verified{}, err
	}
	// The chain's PEM text is outside every signature, and PEM decoding
	// ignores some changes to it (line breaks, spaces); only the one
	// canonical text is accepted, so the certificates have one encoding.
	chainPEM := quote.signed.GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	if !bytes.Equal(chainPEM, canonicalPCKChain(chain, hasNUL(chainPEM))) {
		return Verified{}, fmt.Errorf("%w: tdx PCK chain is not in canonical PEM (64-column lines, LF)", ErrInvalidEvidence)
	}
	if err := checkTDAttributes(quote.body); err != nil {
		return Verified{}, err
	}
	notAfter, err := checkValidity(opts.Now, chain.PCKCertificate, chain.IntermediateCertificate, chain.RootCertificate)
	if err != nil {
		return Verified{}, fmt.Errorf("tdx PCK chain: %w", err)
	}
	var col *TDXCollateral
	if opts.Collateral != nil {
		var ok bool
		if col, ok = opts.Collateral.(*TDXCollateral); !ok || col == nil {
			return Verified{}, fmt.Errorf("%w: %T is not tdx collateral", ErrInvalidCollateral, opts.Collateral)
		}
	}
	// Without collateral the quoting enclave's identity is the one
	// compiled in (checkTDQEIdentity), as before collateral existed; with
	// it, Intel's signed QE identity decides (verifyTDXCollateral).
	if col == nil {
		qe := quote.signed.GetCertificationData().GetQeReportCertificationData().GetQeReport()
		if err := checkTDQEIdentity(qe); err != nil {
			return Verified{}, err
		}
	}
	roots, err := intelRoots()
	if err != nil {
		return Verified{}, err
	}
	// TdxQuote is RawTdxQuote without parsing the bytes a second time.
	now := &tdxverify.TimeSet{PckCertChain: opts.Now, TcbInfo: opts.Now, QeIdentity: opts.Now, PckCrl: opts.Now, RootCaCrl: opts.Now}
	if err := tdxverify.TdxQuote(quote.proto, &tdxverify.Options{Now: now, TrustedRoots: roots}); err != nil {
		return Verified{}, fmt.Errorf("%w: tdx: %w", ErrSignature, err)
	}

	var tcb *TCB
	if col != nil {
		if tcb, err = verifyTDXCollateral(col, quote, chain.PCKCertificate, chain.IntermediateCertificate, opts.Now); err != nil {
			return Verified{}, err
		}
	}

	ext, err := pcs.PckCertificateExtensions(chain.PCKCertificate)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: tdx PCK certificate: %w", ErrInvalidEvidence, err)
	}
	ppid, err := hex.DecodeString(ext.PPID)
	if err != nil || len(ppid) == 0 {
		return Verified{}, fmt.Errorf("%w: tdx PCK certificate names no PPID", ErrInvalidEvidence)
	}
	body := quote.body
	v := Verified{
		Machine:     ppid,
		Platform:    TDX,
		Measurement: tdxMeasurement(quote),
		Debug:       body.GetTdAttributes()[0]&tdAttributesDebug != 0,
		NotAfter:    notAfter,
		TCB:         tcb,
	}
	copy(v.ReportData[:], body.GetReportData())
	return v, nil
}

// TDXPCKCertificate returns the PCK certificate a TDX quote carries,
// without verifying the quote: what a host reads to know which of
// Intel's CAs issued its machine's PCK, and so which CRL its collateral
// needs.
func TDXPCKCertificate(raw []byte) (*x509.Certificate, error) {
	_, chain, err := parseTDXQuote(raw)
	if err != nil {
		return nil, err
	}
	return chain.PCKCertificate, nil
}

// TDXMeasurement returns the measurement a TDX quote reports, as Verify
// reports it, without verifying the quote.
func TDXMeasurement(raw []byte) ([]byte, error) {
	quote, _, err := parseTDXQuote(raw)
	if err != nil {
		return nil, err
	}
	return tdxMeasurement(quote), nil
}

// CanonicalTDXQuote rewrites what no signature covers in a quote into the
// one form Verify accepts (an attester calls it on what the hardware
// returns): the PCK chain in canonical PEM (keeping or not
// its final NUL, as the quoting enclave wrote it), and no padding after
// the signed data. The three size fields that enclose the chain follow.
func CanonicalTDXQuote(raw []byte) ([]byte, error) {
	quote, chain, err := parseTDXQuote(raw)
	if err != nil {
		return nil, err
	}
	cert := quote.signed.GetCertificationData()
	pck := cert.GetQeReportCertificationData().GetPckCertificateChainData()
	canon := canonicalPCKChain(chain, hasNUL(pck.GetPckCertChain()))
	delta := uint32(len(canon)) - uint32(len(pck.GetPckCertChain())) // wraps when shrinking; the sums below wrap back
	pck.PckCertChain = canon
	pck.Size += delta
	cert.Size += delta
	switch q := quote.proto.(type) {
	case *tdxpb.QuoteV4:
		q.SignedDataSize += delta
		q.ExtraBytes = nil
	case *tdxpb.QuoteV5:
		q.SignedDataSize = int32(uint32(q.SignedDataSize) + delta)
		q.ExtraBytes = nil
	}
	out, err := tdxabi.QuoteToAbiBytes(quote.proto)
	if err != nil {
		return nil, fmt.Errorf("re-encode quote: %w", err)
	}
	return out, nil
}

// tdxMeasurement returns MRTD||RTMR0||RTMR1||RTMR2||RTMR3: the TD's
// initial image and what its firmware, boot loader, kernel and runtime
// measured into the run-time registers.
func tdxMeasurement(quote *tdxQuote) []byte {
	body := quote.body
	m := make([]byte, 0, tdxMeasurementSize)
	m = append(m, body.GetMrTd()...)
	for _, r := range body.GetRtmrs() {
		m = append(m, r...)
	}
	return m
}

// tdxBody is what Phalanx reads of a TD report, in either quote version:
// go-tdx-guest's TDQuoteBody (version 4) and TDQuoteBodyV5 (version 5,
// TDX 1.0 or 1.5) both have these fields at the same meaning.
type tdxBody interface {
	GetTeeTcbSvn() []byte
	GetMrSignerSeam() []byte
	GetSeamAttributes() []byte
	GetTdAttributes() []byte
	GetMrTd() []byte
	GetRtmrs() [][]byte
	GetReportData() []byte
}

// tdxQuote is a parsed quote of either version: the library's message,
// which its verification takes, and the parts this package reads.
type tdxQuote struct {
	proto  any // *tdxpb.QuoteV4 or *tdxpb.QuoteV5
	header *tdxpb.Header
	body   tdxBody
	signed *tdxpb.Ecdsa256BitQuoteV4AuthData
	extra  []byte
}

// parseTDXQuote decodes a quote and its PCK certificate chain. Everything
// wrong at this stage is ErrInvalidEvidence; the library's checks that
// follow then fail only on signatures and chains.
func parseTDXQuote(raw []byte) (*tdxQuote, *tdxverify.PCKCertificateChain, error) {
	if err := checkTDXLayout(raw); err != nil {
		return nil, nil, fmt.Errorf("%w: tdx quote: %w", ErrInvalidEvidence, err)
	}
	parsed, err := tdxabi.QuoteToProto(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: tdx quote: %w", ErrInvalidEvidence, err)
	}
	var quote *tdxQuote
	switch q := parsed.(type) {
	case *tdxpb.QuoteV4:
		quote = &tdxQuote{proto: q, header: q.GetHeader(), body: q.GetTdQuoteBody(), signed: q.GetSignedData(), extra: q.GetExtraBytes()}
	case *tdxpb.QuoteV5:
		quote = &tdxQuote{proto: q, header: q.GetHeader(), body: q.GetTdQuoteBodyDescriptor().GetTdQuoteBodyV5(), signed: q.GetSignedData(), extra: q.GetExtraBytes()}
	default:
		return nil, nil, fmt.Errorf("%w: tdx quote: unsupported format %T", ErrInvalidEvidence, parsed)
	}
	// QuoteToProto has checked the version, key type, TEE type, the body
	// type and the sizes of every field.
	if !bytes.Equal(quote.header.GetQeVendorId(), []byte(intelQEVendorID)) {
		return nil, nil, fmt.Errorf("%w: tdx quote: QE vendor %x is not Intel", ErrInvalidEvidence, quote.header.GetQeVendorId())
	}
	// Bytes after the signed data are outside every signature. Quote
	// buffers come zero-padded; anything else there is refused.
	if !allZero(quote.extra) {
		return nil, nil, fmt.Errorf("%w: tdx quote: non-zero bytes after the signed data", ErrInvalidEvidence)
	}
	if len(quote.body.GetRtmrs()) != tdxRTMRs {
		return nil, nil, fmt.Errorf("%w: tdx quote: %d RTMRs, want %d", ErrInvalidEvidence, len(quote.body.GetRtmrs()), tdxRTMRs)
	}
	chainPEM := quote.signed.GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	chain, err := parsePCKChain(chainPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: tdx PCK chain: %w", ErrInvalidEvidence, err)
	}
	return quote, chain, nil
}

// Layout of a quote, as far as its length fields go.
const (
	tdxHeaderSize       = 48
	tdxSignedDataSizeV4 = 0x278        // version 4: after the header and the 584-byte TD report
	tdxBodyDescriptorV5 = 6            // version 5: the body's type (2 bytes) and size (4) follow the header
	tdxMaxBodyV5        = 648          // version 5: a TD report of TDX 1.5, the larger of the two
	tdxAuthDataKnown    = 0x80         // quote signature, attestation key
	tdxCertDataKnown    = 6            // certification data type and size
	tdxQECertKnown      = 0x180 + 0x40 // QE report and its signature
	tdxQEAuthSizeLen    = 2
	tdxChainKnown       = 6 // PCK chain data type and size
)

// checkTDXLayout checks that the length fields of a quote describe the
// bytes that follow them. go-tdx-guest slices by these fields without
// checking them and panics when they lie (found by FuzzVerifyTDX); Verify
// recovers from panics, but a quote refused here never reaches that code.
// The version and body type themselves are the library's to check.
func checkTDXLayout(q []byte) error {
	if len(q) < tdxHeaderSize+tdxBodyDescriptorV5 {
		return fmt.Errorf("%d bytes, shorter than a header", len(q))
	}
	sizeAt := uint64(tdxSignedDataSizeV4)
	if binary.LittleEndian.Uint16(q) == 5 {
		body := uint64(binary.LittleEndian.Uint32(q[tdxHeaderSize+2:]))
		if body > tdxMaxBodyV5 {
			return fmt.Errorf("TD report of %d bytes", body)
		}
		sizeAt = tdxHeaderSize + tdxBodyDescriptorV5 + body
	}
	signedAt := sizeAt + 4
	if uint64(len(q)) < signedAt {
		return fmt.Errorf("%d bytes, shorter than a header and TD report", len(q))
	}
	size := uint64(binary.LittleEndian.Uint32(q[sizeAt:]))
	if signedAt+size > uint64(len(q)) {
		return fmt.Errorf("signed data of %d bytes overruns the quote", size)
	}
	signed := q[signedAt : signedAt+size]
	if len(signed) < tdxAuthDataKnown+tdxCertDataKnown {
		return fmt.Errorf("signed data of %d bytes", len(signed))
	}
	cert := signed[tdxAuthDataKnown:]
	if size := binary.LittleEndian.Uint32(cert[2:]); uint64(size) != uint64(len(cert)-tdxCertDataKnown) {
		return fmt.Errorf("certification data of %d bytes in %d", size, len(cert)-tdxCertDataKnown)
	}
	qe := cert[tdxCertDataKnown:]
	if len(qe) < tdxQECertKnown+tdxQEAuthSizeLen {
		return fmt.Errorf("QE report certification data of %d bytes", len(qe))
	}
	auth := int(binary.LittleEndian.Uint16(qe[tdxQECertKnown:]))
	rest := qe[tdxQECertKnown+tdxQEAuthSizeLen:]
	if len(rest) < auth+tdxChainKnown {
		return fmt.Errorf("QE authentication data of %d bytes overruns its container", auth)
	}
	chain := rest[auth:]
	if size := binary.LittleEndian.Uint32(chain[2:]); uint64(size) != uint64(len(chain)-tdxChainKnown) {
		return fmt.Errorf("PCK chain of %d bytes in %d", size, len(chain)-tdxChainKnown)
	}
	return nil
}

// parsePCKChain decodes the PEM chain a quote carries: PCK leaf,
// intermediate CA, root CA, and possibly a terminating NUL byte.
func parsePCKChain(data []byte) (*tdxverify.PCKCertificateChain, error) {
	var certs []*x509.Certificate
	rest := data
	for i := 0; i < 3; i++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil || b.Type != "CERTIFICATE" {
			return nil, errors.New("want three PEM certificates")
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(rest) > 1 || len(rest) == 1 && rest[0] != 0 {
		return nil, fmt.Errorf("%d bytes after the chain", len(rest))
	}
	return &tdxverify.PCKCertificateChain{PCKCertificate: certs[0], IntermediateCertificate: certs[1], RootCertificate: certs[2]}, nil
}

// canonicalPCKChain returns the chain as a quote should carry it: each
// certificate in PEM as encoding/pem writes it, and a NUL byte after them
// if nul is set (Intel's quoting enclave writes one; not every quote has
// it).
func canonicalPCKChain(chain *tdxverify.PCKCertificateChain, nul bool) []byte {
	var out []byte
	for _, c := range []*x509.Certificate{chain.PCKCertificate, chain.IntermediateCertificate, chain.RootCertificate} {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if nul {
		out = append(out, 0)
	}
	return out
}

func hasNUL(b []byte) bool { return len(b) > 0 && b[len(b)-1] == 0 }

// checkTDQEIdentity checks that the quoting enclave's report is that of
// Intel's TD QE (see tdQEMRSigner).
func checkTDQEIdentity(qe *tdxpb.EnclaveReport) error {
	attrs := qe.GetAttributes()
	if len(attrs) != len(tdQEAttributesMask) {
		return fmt.Errorf("%w: tdx QE report attributes of %d bytes", ErrInvalidEvidence, len(attrs))
	}
	masked := make([]byte, len(attrs))
	for i := range attrs {
		masked[i] = attrs[i] & tdQEAttributesMask[i]
	}
	switch {
	case !bytes.Equal(qe.GetMrSigner(), []byte(tdQEMRSigner)):
		return fmt.Errorf("%w: tdx quoting enclave signer %x is not Intel's TD QE", ErrSignature, qe.GetMrSigner())
	case qe.GetIsvProdId() != tdQEISVProdID:
		return fmt.Errorf("%w: tdx quoting enclave product %d is not Intel's TD QE (%d)", ErrSignature, qe.GetIsvProdId(), tdQEISVProdID)
	case !bytes.Equal(masked, []byte(tdQEAttributes)) || qe.GetMiscSelect() != tdQEMiscSelect:
		return fmt.Errorf("%w: tdx quoting enclave attributes %x / misc %x are not Intel's TD QE's (a debug QE?)", ErrSignature, attrs, qe.GetMiscSelect())
	}
	return nil
}

// checkTDAttributes refuses a TD whose memory another TD can export: a
// migratable one, or (TDX 1.5) one bound to a service TD. The
// measurement covers neither that TD's code nor where it sends the
// state, and a worker that moves leaves the machine it registered on.
func checkTDAttributes(body tdxBody) error {
	if attrs := body.GetTdAttributes(); len(attrs) > 3 && attrs[3]&tdAttributesMigratable != 0 {
		return fmt.Errorf("%w: TD_ATTRIBUTES %x has MIGRATABLE set", ErrTDAttributes, attrs)
	}
	if v5, ok := body.(interface{ GetMrServiceTd() []byte }); ok && !allZero(v5.GetMrServiceTd()) {
		return fmt.Errorf("%w: MR_SERVICETD %x", ErrTDAttributes, v5.GetMrServiceTd())
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
