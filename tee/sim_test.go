package tee

import (
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
)

func openSimT(t *testing.T, opts Options) Platform {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	p, err := Open(Sim, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Sim-only facts of sim evidence; what every attester does is in
// TestAttesterConformance.
func TestSimAttestVerify(t *testing.T) {
	ctx := context.Background()
	p := openSimT(t, Options{})
	if p.Name() != Sim || p.Secure() {
		t.Fatalf("name %q secure %v", p.Name(), p.Secure())
	}
	var data ReportData
	copy(data[:], "the enclave's keys, its operator and the chain id")
	ev, err := p.Attest(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Platform != Sim || len(ev.Collateral) != 0 {
		t.Fatalf("evidence %+v", ev)
	}
	if _, err := Verify(ev, VerifyOptions{Now: teetest.SampleNow}); !errors.Is(err, ErrSimNotAllowed) {
		t.Fatalf("without AllowSim: %v", err)
	}
	v, err := Verify(ev, VerifyOptions{AllowSim: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.Measurement, SimMeasurement(DefaultSimVersion)) || v.Debug || !v.NotAfter.IsZero() {
		t.Errorf("verified %+v", v)
	}
}

func TestSimMeasurement(t *testing.T) {
	want := sha512.Sum384([]byte("phalanx sim enclave v7"))
	if !bytes.Equal(SimMeasurement(7), want[:]) {
		t.Error("SimMeasurement(7) is not SHA-384 of its name")
	}
	ctx := context.Background()
	m2, _ := openSimT(t, Options{SimVersion: 2}).Measurement(ctx)
	if !bytes.Equal(m2, SimMeasurement(2)) {
		t.Error("SimVersion ignored")
	}
	other := bytes.Repeat([]byte{7}, SimMeasurementSize)
	p := openSimT(t, Options{SimMeasurement: other})
	ev, err := p.Attest(ctx, ReportData{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verify(ev, VerifyOptions{AllowSim: true})
	if err != nil || !bytes.Equal(v.Measurement, other) {
		t.Errorf("override: %x, %v", v.Measurement, err)
	}
	if _, err := Open(Sim, Options{Dir: t.TempDir(), SimMeasurement: []byte{1}}); err == nil {
		t.Error("a 1-byte measurement was accepted")
	}
	if _, err := Open(Sim, Options{}); err == nil {
		t.Error("no Dir accepted")
	}
}

func TestUnknownPlatform(t *testing.T) {
	for _, name := range []string{"", "SIM", "sgx", "tdx "} {
		if _, err := Verify(Evidence{Platform: name}, VerifyOptions{Now: teetest.SampleNow, AllowSim: true}); !errors.Is(err, ErrUnknownPlatform) {
			t.Errorf("Verify %q: %v", name, err)
		}
		if _, err := Open(name, Options{Dir: t.TempDir()}); !errors.Is(err, ErrUnknownPlatform) {
			t.Errorf("Open %q: %v", name, err)
		}
	}
}
