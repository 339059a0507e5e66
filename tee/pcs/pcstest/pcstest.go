// Package pcstest serves recorded answers of Intel's PCS and AMD's KDS
// over a local HTTP server, for tests of what fetches collateral.
package pcstest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// Recorded is the collateral of one FMSPC in the JSON form PCS clients
// write (verify.ParseTDXCollateralJSON), which the server answers from,
// and the VCEK CRLs (DER) it answers per product line.
type Recorded struct {
	FMSPC string
	// TDX holds the fields tcb_info, tcb_info_signature,
	// tcb_info_issuer_chain, qe_identity, qe_identity_signature,
	// qe_identity_issuer_chain, pck_crl, pck_crl_issuer_chain and
	// root_ca_crl.
	TDX map[string]string
	// SNP maps a product line to its CRL.
	SNP map[string][]byte
}

// Server is a local stand-in for PCS and KDS. Its root CA CRL is at
// RootCRLPath.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

// RootCRLPath is where the server serves Intel's root CA CRL, as
// certificates.trustedservices.intel.com does.
const RootCRLPath = "/IntelSGXRootCA.der"

// ParseRecorded reads collateral JSON as PCS clients write it.
func ParseRecorded(fmspc string, collateralJSON []byte) (Recorded, error) {
	r := Recorded{FMSPC: strings.ToUpper(fmspc), SNP: map[string][]byte{}}
	if err := json.Unmarshal(collateralJSON, &r.TDX); err != nil {
		return Recorded{}, fmt.Errorf("recorded collateral: %w", err)
	}
	return r, nil
}

// encodeHeader percent-encodes an issuer chain as PCS does
// (encodeURIComponent: a space is %20, a plus %2B).
func encodeHeader(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// NewServer serves r: /tdx/certification/v4/tcb?fmspc=, …/qe/identity,
// /sgx/certification/v4/pckcrl?ca=platform&encoding=der, RootCRLPath and
// /vcek/v1/<line>/crl. Anything else, or another FMSPC, is 404.
func NewServer(r Recorded) *Server {
	s := &Server{}
	der := func(w http.ResponseWriter, field string) {
		b, err := hex.DecodeString(r.TDX[field])
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(b)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tdx/certification/v4/tcb", func(w http.ResponseWriter, req *http.Request) {
		if !strings.EqualFold(req.URL.Query().Get("fmspc"), r.FMSPC) {
			http.Error(w, "", http.StatusNotFound)
			return
		}
		w.Header().Set("TCB-Info-Issuer-Chain", encodeHeader(r.TDX["tcb_info_issuer_chain"]))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"tcbInfo":%s,"signature":"%s"}`, r.TDX["tcb_info"], r.TDX["tcb_info_signature"])
	})
	mux.HandleFunc("GET /tdx/certification/v4/qe/identity", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("SGX-Enclave-Identity-Issuer-Chain", encodeHeader(r.TDX["qe_identity_issuer_chain"]))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"enclaveIdentity":%s,"signature":"%s"}`, r.TDX["qe_identity"], r.TDX["qe_identity_signature"])
	})
	mux.HandleFunc("GET /sgx/certification/v4/pckcrl", func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Query().Get("ca") != "platform" || req.URL.Query().Get("encoding") != "der" {
			http.Error(w, "", http.StatusNotFound)
			return
		}
		w.Header().Set("SGX-PCK-CRL-Issuer-Chain", encodeHeader(r.TDX["pck_crl_issuer_chain"]))
		der(w, "pck_crl")
	})
	mux.HandleFunc("GET "+RootCRLPath, func(w http.ResponseWriter, _ *http.Request) { der(w, "root_ca_crl") })
	mux.HandleFunc("GET /vcek/v1/{line}/crl", func(w http.ResponseWriter, req *http.Request) {
		crl, ok := r.SNP[req.PathValue("line")]
		if !ok {
			http.Error(w, "", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(crl)
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, req.URL.RequestURI())
		s.mu.Unlock()
		mux.ServeHTTP(w, req)
	}))
	return s
}

// Requests returns the request URIs the server answered, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}
