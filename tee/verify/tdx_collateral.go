package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	tdxabi "github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"

	"github.com/phalanx-net/phalanx/chain/codec"
)

// TDXCollateral is Intel's collateral for the TDX machines of one FMSPC,
// as Intel's Provisioning Certification Service (PCS) serves it: what
// says whether a machine is up to date (TCB info), which quoting enclave
// is Intel's (QE identity), and which certificates are revoked (the PCK
// CA's and the root CA's CRLs). Every part is signed by a key that
// Intel's SGX root certifies, so anyone may relay it and the chain checks
// it against the pinned root (Check).
//
// Issuer chains are kept as DER certificates, signing certificate first,
// and not as PCS's PEM text: PEM admits many texts for one certificate,
// and the canonical encoding must be one.
type TDXCollateral struct {
	// TCBInfo is the exact JSON text of the "tcbInfo" object that
	// TCBInfoSignature signs.
	TCBInfo []byte `cbor:"1,keyasint"`
	// TCBInfoSignature is the ECDSA P-256 signature over TCBInfo, r||s.
	TCBInfoSignature []byte `cbor:"2,keyasint"`
	// TCBInfoIssuerChain is the TCB signing certificate, then Intel's
	// SGX root.
	TCBInfoIssuerChain [][]byte `cbor:"3,keyasint"`
	// QEIdentity is the exact JSON text of the "enclaveIdentity" object
	// (TD_QE) that QEIdentitySignature signs.
	QEIdentity            []byte   `cbor:"4,keyasint"`
	QEIdentitySignature   []byte   `cbor:"5,keyasint"`
	QEIdentityIssuerChain [][]byte `cbor:"6,keyasint"`
	// PCKCRL is the DER CRL of the CA that issues the FMSPC's PCK
	// certificates ("Intel SGX PCK Platform CA" or "… Processor CA").
	PCKCRL []byte `cbor:"7,keyasint"`
	// PCKCRLIssuerChain is that CA's certificate, then Intel's SGX root.
	PCKCRLIssuerChain [][]byte `cbor:"8,keyasint"`
	// RootCACRL is the DER CRL of Intel's SGX root, which lists the
	// intermediate CAs and signing certificates Intel revoked.
	RootCACRL []byte `cbor:"9,keyasint"`
}

// Intel's names for the collateral's signers, and the TCB info and QE
// identity formats this verifier reads.
const (
	intelTCBSigningCN   = "Intel SGX TCB Signing"
	intelPCKPlatformCN  = "Intel SGX PCK Platform CA"
	intelPCKProcessorCN = "Intel SGX PCK Processor CA"
	tdxTCBInfoID        = "TDX"
	tdxTCBInfoVersion   = 3
	tdQEIdentityID      = "TD_QE"
	tdQEIdentityVersion = 2
)

// tdxCollateral is a TDXCollateral whose signatures have been checked,
// with its parts decoded.
type tdxCollateral struct {
	tcbInfo    pcs.TcbInfo
	qeIdentity pcs.EnclaveIdentity
	pckCA      *x509.Certificate
	pckCRL     *x509.RevocationList
	rootCRL    *x509.RevocationList
}

// Platform is TDX.
func (*TDXCollateral) Platform() string { return TDX }

// Scope is "tdx/fmspc/" and the FMSPC the TCB info is for, in upper-case
// hex as Intel writes it; "tdx/fmspc/?" if the TCB info does not decode.
func (c *TDXCollateral) Scope() string {
	var info pcs.TcbInfo
	if err := json.Unmarshal(c.TCBInfo, &info); err != nil {
		return "tdx/fmspc/?"
	}
	return "tdx/fmspc/" + strings.ToUpper(info.Fmspc)
}

// Issued is the TCB info's issueDate; the zero time if it does not
// decode.
func (c *TDXCollateral) Issued() time.Time {
	var info pcs.TcbInfo
	if err := json.Unmarshal(c.TCBInfo, &info); err != nil {
		return time.Time{}
	}
	return info.IssueDate
}

// Marshal returns the collateral's canonical encoding.
func (c *TDXCollateral) Marshal() ([]byte, error) { return codec.Marshal(c) }

// ParseTDXCollateral decodes collateral written by TDXCollateral.Marshal.
// It checks the form only; Check verifies it.
func ParseTDXCollateral(b []byte) (*TDXCollateral, error) {
	var c TDXCollateral
	if err := codec.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: tdx collateral: %w", ErrInvalidCollateral, err)
	}
	switch {
	case len(c.TCBInfo) == 0 || len(c.QEIdentity) == 0 || len(c.PCKCRL) == 0 || len(c.RootCACRL) == 0:
		return nil, fmt.Errorf("%w: tdx collateral needs the TCB info, the QE identity and both CRLs", ErrInvalidCollateral)
	case len(c.TCBInfoIssuerChain) != 2 || len(c.QEIdentityIssuerChain) != 2 || len(c.PCKCRLIssuerChain) != 2:
		return nil, fmt.Errorf("%w: tdx collateral issuer chains are a signing certificate and the root", ErrInvalidCollateral)
	}
	return &c, nil
}

func (tdxVerifier) ParseCollateral(b []byte) (Collateral, error) { return ParseTDXCollateral(b) }

// tdxPCSCollateral is the JSON form of TDX collateral that PCS clients
// write (Phala's dcap-qvl, Intel's PCCS): PCS's response bodies and
// issuer-chain headers, with the CRLs and signatures in hex.
type tdxPCSCollateral struct {
	TCBInfo               string `json:"tcb_info"`
	TCBInfoSignature      string `json:"tcb_info_signature"`
	TCBInfoIssuerChain    string `json:"tcb_info_issuer_chain"`
	QEIdentity            string `json:"qe_identity"`
	QEIdentitySignature   string `json:"qe_identity_signature"`
	QEIdentityIssuerChain string `json:"qe_identity_issuer_chain"`
	PCKCRL                string `json:"pck_crl"`
	PCKCRLIssuerChain     string `json:"pck_crl_issuer_chain"`
	RootCACRL             string `json:"root_ca_crl"`
}

// ParseTDXCollateralJSON converts collateral in the JSON form PCS clients
// write (fields tcb_info, tcb_info_signature, tcb_info_issuer_chain,
// qe_identity, qe_identity_signature, qe_identity_issuer_chain, pck_crl,
// pck_crl_issuer_chain, root_ca_crl; CRLs and signatures in hex, chains
// in PEM) to a TDXCollateral. It checks the form only.
func ParseTDXCollateralJSON(b []byte) (*TDXCollateral, error) {
	var j tdxPCSCollateral
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%w: tdx collateral JSON: %w", ErrInvalidCollateral, err)
	}
	var c TDXCollateral
	var errs []error
	unhex := func(name, s string) []byte {
		v, err := hex.DecodeString(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		return v
	}
	chain := func(name, s string) [][]byte {
		v, err := pemCertificates([]byte(s))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		return v
	}
	c.TCBInfo = []byte(j.TCBInfo)
	c.TCBInfoSignature = unhex("tcb_info_signature", j.TCBInfoSignature)
	c.TCBInfoIssuerChain = chain("tcb_info_issuer_chain", j.TCBInfoIssuerChain)
	c.QEIdentity = []byte(j.QEIdentity)
	c.QEIdentitySignature = unhex("qe_identity_signature", j.QEIdentitySignature)
	c.QEIdentityIssuerChain = chain("qe_identity_issuer_chain", j.QEIdentityIssuerChain)
	c.PCKCRL = unhex("pck_crl", j.PCKCRL)
	c.PCKCRLIssuerChain = chain("pck_crl_issuer_chain", j.PCKCRLIssuerChain)
	c.RootCACRL = unhex("root_ca_crl", j.RootCACRL)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: tdx collateral JSON: %w", ErrInvalidCollateral, err)
	}
	// Through the canonical encoding, so that both forms get the same
	// checks of their form.
	enc, err := c.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: tdx collateral: %w", ErrInvalidCollateral, err)
	}
	return ParseTDXCollateral(enc)
}

// pemCertificates returns the DER of every CERTIFICATE block of data,
// which must hold nothing else but white space.
func pemCertificates(data []byte) ([][]byte, error) {
	var out [][]byte
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q, want CERTIFICATE", b.Type)
		}
		out = append(out, b.Bytes)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("text after the certificates")
	}
	return out, nil
}

// Check verifies the collateral's signatures up to Intel's pinned SGX
// root and that now lies inside every part's window; see Collateral.
func (c *TDXCollateral) Check(now time.Time) error {
	_, err := c.check(now)
	return err
}

// check is Check, returning the decoded parts.
func (c *TDXCollateral) check(now time.Time) (*tdxCollateral, error) {
	root, err := intelRoot()
	if err != nil {
		return nil, err
	}
	var out tdxCollateral
	// The root CA's CRL first: it says which of the other signers Intel
	// has revoked.
	if out.rootCRL, err = x509.ParseRevocationList(c.RootCACRL); err != nil {
		return nil, fmt.Errorf("%w: tdx root CA CRL: %w", ErrInvalidCollateral, err)
	}
	if err := checkCRL("tdx root CA CRL", out.rootCRL, root, now); err != nil {
		return nil, err
	}
	tcbSigner, err := intelSigner("tdx TCB info", c.TCBInfoIssuerChain, root, out.rootCRL, now, intelTCBSigningCN)
	if err != nil {
		return nil, err
	}
	if err := checkIntelSignature("tdx TCB info", tcbSigner, c.TCBInfo, c.TCBInfoSignature); err != nil {
		return nil, err
	}
	qeSigner, err := intelSigner("tdx QE identity", c.QEIdentityIssuerChain, root, out.rootCRL, now, intelTCBSigningCN)
	if err != nil {
		return nil, err
	}
	if err := checkIntelSignature("tdx QE identity", qeSigner, c.QEIdentity, c.QEIdentitySignature); err != nil {
		return nil, err
	}
	if out.pckCA, err = intelSigner("tdx PCK CRL", c.PCKCRLIssuerChain, root, out.rootCRL, now, intelPCKPlatformCN, intelPCKProcessorCN); err != nil {
		return nil, err
	}
	if out.pckCRL, err = x509.ParseRevocationList(c.PCKCRL); err != nil {
		return nil, fmt.Errorf("%w: tdx PCK CRL: %w", ErrInvalidCollateral, err)
	}
	if err := checkCRL("tdx PCK CRL", out.pckCRL, out.pckCA, now); err != nil {
		return nil, err
	}

	// The signed JSON, decoded with go-tdx-guest's types.
	if err := json.Unmarshal(c.TCBInfo, &out.tcbInfo); err != nil {
		return nil, fmt.Errorf("%w: tdx TCB info: %w", ErrInvalidCollateral, err)
	}
	info := &out.tcbInfo
	if info.ID != tdxTCBInfoID || info.Version != tdxTCBInfoVersion {
		return nil, fmt.Errorf("%w: tdx TCB info %q version %d, want %q version %d", ErrInvalidCollateral, info.ID, info.Version, tdxTCBInfoID, tdxTCBInfoVersion)
	}
	if len(info.TcbLevels) == 0 {
		return nil, fmt.Errorf("%w: tdx TCB info lists no TCB levels", ErrInvalidCollateral)
	}
	if err := checkWindow("tdx TCB info", now, info.IssueDate, info.NextUpdate); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(c.QEIdentity, &out.qeIdentity); err != nil {
		return nil, fmt.Errorf("%w: tdx QE identity: %w", ErrInvalidCollateral, err)
	}
	qe := &out.qeIdentity
	if qe.ID != tdQEIdentityID || qe.Version != tdQEIdentityVersion {
		return nil, fmt.Errorf("%w: tdx QE identity %q version %d, want %q version %d", ErrInvalidCollateral, qe.ID, qe.Version, tdQEIdentityID, tdQEIdentityVersion)
	}
	if len(qe.TcbLevels) == 0 {
		return nil, fmt.Errorf("%w: tdx QE identity lists no TCB levels", ErrInvalidCollateral)
	}
	if err := checkWindow("tdx QE identity", now, qe.IssueDate, qe.NextUpdate); err != nil {
		return nil, err
	}
	return &out, nil
}

// intelSigner checks an issuer chain of collateral: a certificate named
// one of names, signed by Intel's pinned root, valid at now and not in
// the root's CRL, followed by the root itself.
func intelSigner(what string, chain [][]byte, root *x509.Certificate, rootCRL *x509.RevocationList, now time.Time, names ...string) (*x509.Certificate, error) {
	if len(chain) != 2 {
		return nil, fmt.Errorf("%w: %s issuer chain of %d certificates, want 2", ErrInvalidCollateral, what, len(chain))
	}
	if !bytes.Equal(chain[1], root.Raw) {
		return nil, fmt.Errorf("%w: %s issuer chain does not end in Intel's SGX root", ErrCollateralSignature, what)
	}
	signer, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %s signing certificate: %w", ErrInvalidCollateral, what, err)
	}
	named := false
	for _, n := range names {
		named = named || signer.Subject.CommonName == n
	}
	if !named {
		return nil, fmt.Errorf("%w: %s is signed by %q, want %s", ErrCollateralSignature, what, signer.Subject.CommonName, strings.Join(names, " or "))
	}
	if err := signer.CheckSignatureFrom(root); err != nil {
		return nil, fmt.Errorf("%w: %s signing certificate is not Intel's: %w", ErrCollateralSignature, what, err)
	}
	if err := checkWindow(what+" signing certificate", now, signer.NotBefore, signer.NotAfter); err != nil {
		return nil, err
	}
	if err := checkNotRevoked(what+" signing certificate", rootCRL, signer); err != nil {
		return nil, err
	}
	return signer, nil
}

// checkIntelSignature checks an r||s ECDSA P-256 signature over body.
func checkIntelSignature(what string, signer *x509.Certificate, body, sig []byte) error {
	der, err := tdxabi.SignatureToDER(sig)
	if err != nil {
		return fmt.Errorf("%w: %s signature: %w", ErrCollateralSignature, what, err)
	}
	if err := signer.CheckSignature(x509.ECDSAWithSHA256, body, der); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCollateralSignature, what, err)
	}
	return nil
}
