package verify

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// intelSGXRootCA is the trust anchor of TDX verification: Intel's "Intel
// SGX Root CA" (valid 2018-05-21 … 2049-12-31, SHA-256 fingerprint
// 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3), as
// published at certificates.trustedservices.intel.com and embedded in
// go-tdx-guest.
//
// It is pinned here rather than taken from the library (TrustedRoots nil)
// for two reasons: the trust anchor of a consensus rule belongs in the
// chain's own code, where a library upgrade cannot change it unseen; and
// with no roots given the library logs a warning to standard output on
// every verification.
const intelSGXRootCA = `-----BEGIN CERTIFICATE-----
MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw
aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv
cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ
BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG
A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0
aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT
AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7
1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB
uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ
MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50
ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV
Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI
KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg
AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=
-----END CERTIFICATE-----
`

// Intel's TD quoting enclave identity, as Intel's PCS publishes it
// (tdx/certification/v4/qe/identity): its signer, product id, and the
// attributes and MISCSELECT it runs with under their masks. The PCK
// certifies the report of any enclave allowed the provisioning key, and a
// platform owner with flexible launch control can allow one of its own;
// only a report from Intel's QE makes the quote's attestation key Intel's.
// These values are fixed for the QE's lifetime; its SVN and TCB status
// change and need signed collateral. They are checked only for quotes
// verified without collateral, as before collateral existed; with it,
// Intel's signed QE identity takes their place (checkQEIdentity).
const (
	tdQEMRSigner       = "\xdc\x9e\x2a\x7c\x6f\x94\x8f\x17\x47\x4e\x34\xa7\xfc\x43\xed\x03\x0f\x7c\x15\x63\xf1\xba\xbd\xdf\x63\x40\xc8\x2e\x0e\x54\xa8\xc5"
	tdQEISVProdID      = 2
	tdQEAttributes     = "\x11\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	tdQEAttributesMask = "\xfb\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00"
	tdQEMiscSelect     = 0
)

// intelQEVendorID is the QE vendor id of Intel's quoting enclaves, in the
// quote header.
const intelQEVendorID = "\x93\x9a\x72\x33\xf7\x9c\x4c\xa9\x94\x0a\x0d\xb3\x95\x7f\x06\x07"

// intelRoot returns Intel's SGX root certificate.
func intelRoot() (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(intelSGXRootCA))
	if b == nil {
		return nil, fmt.Errorf("embedded Intel root is not PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("embedded Intel root: %w", err)
	}
	return c, nil
}

// intelRoots returns a pool holding only Intel's SGX root.
func intelRoots() (*x509.CertPool, error) {
	c, err := intelRoot()
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return pool, nil
}
