package verify_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	tdxtestdata "github.com/google/go-tdx-guest/testing/testdata"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// The QE report is signed by the PCK, so its identity cannot be changed in
// a quote without breaking that signature; verify.CheckTDQEIdentity is tested on
// its own.
func TestTDQEIdentity(t *testing.T) {
	quote, _, err := verify.ParseTDXQuote(teetest.TDXSamples[0].Evidence(t).Quote)
	if err != nil {
		t.Fatal(err)
	}
	qe := verify.TDXQEReport(quote)
	if err := verify.CheckTDQEIdentity(qe); err != nil {
		t.Fatal(err)
	}
	signer := bytes.Clone(qe.MrSigner)
	qe.MrSigner[0] ^= 1
	if err := verify.CheckTDQEIdentity(qe); !errors.Is(err, verify.ErrSignature) {
		t.Errorf("another signer: %v", err)
	}
	qe.MrSigner = signer
	qe.IsvProdId = 1
	if err := verify.CheckTDQEIdentity(qe); !errors.Is(err, verify.ErrSignature) {
		t.Errorf("another product: %v", err)
	}
	qe.IsvProdId = verify.TDQEISVProdID
	qe.Attributes[0] |= 0x02 // DEBUG
	if err := verify.CheckTDQEIdentity(qe); !errors.Is(err, verify.ErrSignature) {
		t.Errorf("debug QE: %v", err)
	}
}

// The pinned root is the root every sample's chain ends in.
func TestIntelRootMatchesSamples(t *testing.T) {
	root, err := verify.IntelRoot()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%x", sha256.Sum256(root.Raw)); got != "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3" {
		t.Errorf("root fingerprint %s", got)
	}
	for _, s := range teetest.TDXSamples {
		_, chain, err := verify.ParseTDXQuote(s.Evidence(t).Quote)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(chain.RootCertificate.Raw, root.Raw) {
			t.Errorf("%s: chain ends in another root", s.File)
		}
	}
}

// go-tdx-guest's own sample quote (valid in mid-2023) verifies too, once
// the text the library appended after its signed data (to test that it
// ignores such bytes) is cut off; with it, it is refused.
func TestVerifyTDXLibrarySample(t *testing.T) {
	now := time.Date(2023, 7, 1, 1, 0, 0, 0, time.UTC)
	raw := tdxtestdata.RawQuote
	if _, err := verify.Verify(verify.Evidence{Platform: verify.TDX, Quote: raw}, verify.Options{Now: now}); !errors.Is(err, verify.ErrInvalidEvidence) {
		t.Errorf("with trailing text: %v, want verify.ErrInvalidEvidence", err)
	}
	const header, body = 48, 584
	signed := int(binary.LittleEndian.Uint32(raw[header+body:]))
	v, err := verify.Verify(verify.Evidence{Platform: verify.TDX, Quote: raw[:header+body+4+signed]}, verify.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Measurement) != verify.TDXMeasurementSize {
		t.Errorf("measurement of %d bytes", len(v.Measurement))
	}
}

// Zero padding after the signed data is how quote buffers come: it is
// accepted (the suite checks that a non-zero byte there is not).
func TestVerifyTDXZeroPadding(t *testing.T) {
	quote := teetest.TDXSamples[0].Evidence(t).Quote
	padded := append(bytes.Clone(quote), 0, 0)
	v, err := verify.Verify(verify.Evidence{Platform: verify.TDX, Quote: padded}, verify.Options{Now: teetest.SampleNow})
	if err != nil {
		t.Fatalf("zero padding refused: %v", err)
	}
	if len(v.Measurement) != 240 {
		t.Errorf("measurement of %d bytes, want 240", len(v.Measurement))
	}
}
