// Package teetest holds what the TEE packages' tests share: the real
// evidence samples in tee/testdata with the facts read from them, and the
// conformance suite every platform's verifier and attester runs
// (conformance.go).
package teetest

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/tee/verify"
)

// SampleNow is a time at which every sample's certificates are valid.
var SampleNow = time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)

// The facts below were read from the samples with the vendors' tools and
// are listed with their sources in tee/testdata/README.md.

// TDXSample is a TDX quote in tee/testdata and what it reports.
type TDXSample struct {
	File       string
	MRTD       string
	RTMRs      [4]string
	ReportData string
	Debug      bool
	NotBefore  string // PCK leaf
	NotAfter   string
}

// TDXSamples are the TDX quotes.
var TDXSamples = []TDXSample{
	{
		File:       "tdx-dcap-qvl-1.quote",
		MRTD:       "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7",
		RTMRs:      [4]string{"44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf994b9bc9c0", "0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7aea8c323c173019b3093d54e579e9378", "d833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733642e01d48c3132", zero48},
		ReportData: "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20",
		NotBefore:  "2025-02-06T23:25:51Z",
		NotAfter:   "2032-02-06T23:25:51Z",
	},
	{
		File:       "tdx-dcap-qvl-2.quote",
		MRTD:       "f06dfda6dce1cf904d4e2bab1dc370634cf95cefa2ceb2de2eee127c9382698090d7a4a13e14c536ec6c9c3c8fa87077",
		RTMRs:      [4]string{"68102e7b524af310f7b7d426ce75481e36c40f5d513a9009c046e9d37e31551f0134d954b496a3357fd61d03f07ffe96", "19d16ecd33220ee15965b4fb28a0661e85ec4cad0a20d920bf4028f58ad014b262af3c9b0530f283e7d032e7bdca6308", "05ac95f479e23db627217ce58b2587483c9ee4f374a7d8ebee3b812b8cfd8fd8fca04696369c33bd5279590d83e713c0", "287a9242edd8c8429913ec66f44af611b820cf9b574f303a6caeddeb4c9826311aef6e518aaf4a17f55a81154592b7b3"},
		ReportData: "0001d579ba6e734a1046feb6112f852df5f4f1e44a4e7ce1755ce3b07bd6aaab04e89ca01fdf4956d2f609c2709731cb813a0000000000000000000000000000",
		NotBefore:  "2025-07-31T07:28:39Z",
		NotAfter:   "2032-07-31T07:28:39Z",
	},
	{
		File:       "tdx-trustee-1.quote",
		MRTD:       "705ee9381b8633a9fbe532b52345e8433343d2868959f57889d84ca377c395b689cac1599ccea1b7d420483a9ce5f031",
		RTMRs:      [4]string{"e940da7c2712d2790e2961e00484f4fa8e6f9eed71361655ae22699476b14f9e63867eb41edd4b480fef0c59f496b288", "559cfcf42716ed6c40a48a73d5acb7da255435012f0a9f00fbe8c1c57612ede486a5684c4c9ff3ddf52315fcdca3a596", zero48, zero48},
		ReportData: "7c71fe2c86eff65a7cf8dbc22b3275689fd0464a267baced1bf94fc1324656aeb755da3d44d098c0c87382f3a5f85b45c8a28fee1d3bdb38342bf96671501429",
		Debug:      true,
		NotBefore:  "2023-02-07T08:02:55Z",
		NotAfter:   "2030-02-07T08:02:55Z",
	},
}

const zero48 = "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

// TDXFlipBytes are TDX bytes whose flip breaks the quote signature: MRTD[0], REPORTDATA[0]
// and the last REPORTDATA byte (the body starts at 48).
var TDXFlipBytes = []int{184, 568, 631}

// SNPSample is an SEV-SNP report in tee/testdata with its VCEK and
// chain, and what it reports.
type SNPSample struct {
	Name        string // report is <name>.report, VCEK <name>.vcek.der
	Chain       string
	Measurement string
	ReportData  string
	NotBefore   string // VCEK
	NotAfter    string
}

// SNPSamples are the SEV-SNP reports.
var SNPSamples = []SNPSample{
	{
		Name:        "snp-virtee-sev-1",
		Chain:       "snp-milan.cert_chain.pem",
		Measurement: "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
		ReportData:  "d447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c645810b0f2cdfca0040433be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd",
		NotBefore:   "2023-04-03T19:23:43Z",
		NotAfter:    "2030-04-03T19:23:43Z",
	},
	{
		Name:        "snp-trustee-1",
		Chain:       "snp-milan.cert_chain.pem",
		Measurement: "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c",
		ReportData:  "ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e20000000000000000000000000000000000000000000000000000000000000000",
		NotBefore:   "2023-01-24T17:58:26Z",
		NotAfter:    "2030-01-24T17:58:26Z",
	},
	{
		Name:        "snp-trustee-azure-genoa-1",
		Chain:       "snp-genoa.cert_chain.pem",
		Measurement: "f57dc09a507c6ecd82369bffb600f0003792f4d99bc26e985ec0c266fc34faf3706faf814c9e61065768a6ff917c89ae",
		ReportData:  "b581f12e29a2d7d64e5e0b738d563879a78b51c644d0fa0cce02b48699f6bf5f0000000000000000000000000000000000000000000000000000000000000000",
		NotBefore:   "2025-01-24T02:21:48Z",
		NotAfter:    "2032-01-24T02:21:48Z",
	},
}

// SNPFlipBytes are SNP bytes whose flip breaks the report signature: MEASUREMENT[0] and
// REPORT_DATA[0].
var SNPFlipBytes = []int{0x90, 0x50}

// ReadTestdata returns a file of tee/testdata.
func ReadTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir(), name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Unhex decodes hex.
func Unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// ParseTime parses an RFC 3339 time.
func ParseTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// Evidence is the sample as TDX evidence.
func (s TDXSample) Evidence(tb testing.TB) verify.Evidence {
	return verify.Evidence{Platform: verify.TDX, Quote: ReadTestdata(tb, s.File)}
}

// Measurement is MRTD||RTMR0..3.
func (s TDXSample) Measurement(tb testing.TB) []byte {
	m := Unhex(tb, s.MRTD)
	for _, r := range s.RTMRs {
		m = append(m, Unhex(tb, r)...)
	}
	return m
}

// Collateral is the sample's VCEK and chain.
func (s SNPSample) Collateral(tb testing.TB) verify.SNPCollateral {
	return verify.SNPCollateral{VCEK: ReadTestdata(tb, s.Name+".vcek.der"), CertChain: ReadTestdata(tb, s.Chain)}
}

// Evidence is the sample as SEV-SNP evidence.
func (s SNPSample) Evidence(tb testing.TB) verify.Evidence {
	return SNPEvidence(tb, ReadTestdata(tb, s.Name+".report"), s.Collateral(tb))
}

// SNPEvidence returns SEV-SNP evidence of report and collateral c.
func SNPEvidence(tb testing.TB, report []byte, c verify.SNPCollateral) verify.Evidence {
	tb.Helper()
	col, err := c.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return verify.Evidence{Platform: verify.SEVSNP, Quote: report, Collateral: col}
}

// Flip returns a copy of b with bit 0 of byte i flipped.
func Flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 1
	return out
}

// testdataDir is tee/testdata, found from this file's path: the samples
// stay where the repository has always kept them.
func testdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// TDXSignedEnd returns where a TDX quote's signed data ends: what follows
// is padding that no signature covers (and Verify requires to be zero).
func TDXSignedEnd(q []byte) int {
	const header, body = 48, 584
	at := header + body // version 4
	if len(q) >= header+6 && binary.LittleEndian.Uint16(q) == 5 {
		at = header + 6 + int(binary.LittleEndian.Uint32(q[header+2:]))
	}
	if at < 0 || len(q) < at+4 {
		return len(q)
	}
	return min(len(q), at+4+int(binary.LittleEndian.Uint32(q[at:])))
}
