package tee

import (
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
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

	if _, err := Verify(ev, VerifyOptions{Now: sampleNow}); !errors.Is(err, ErrSimNotAllowed) {
		t.Fatalf("without AllowSim: %v", err)
	}
	v, err := Verify(ev, VerifyOptions{AllowSim: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Measurement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.Measurement, m) || !bytes.Equal(m, SimMeasurement(DefaultSimVersion)) {
		t.Errorf("measurement %x, platform says %x", v.Measurement, m)
	}
	if v.ReportData != data || v.Debug || !v.NotAfter.IsZero() || v.Platform != Sim {
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

func TestSimTamperedQuote(t *testing.T) {
	ev, err := openSimT(t, Options{}).Attest(context.Background(), ReportData{1})
	if err != nil {
		t.Fatal(err)
	}
	var q simQuote
	if err := codec.Unmarshal(ev.Quote, &q); err != nil {
		t.Fatal(err)
	}
	reencode := func(f func(q *simQuote)) []byte {
		c := q
		c.Measurement, c.ReportData, c.Signature = bytes.Clone(q.Measurement), bytes.Clone(q.ReportData), bytes.Clone(q.Signature)
		f(&c)
		return codec.MustMarshal(c)
	}
	cases := []struct {
		name  string
		quote []byte
		col   []byte
		want  error
	}{
		{"report data changed", reencode(func(q *simQuote) { q.ReportData[0] ^= 1 }), nil, ErrSignature},
		{"measurement changed", reencode(func(q *simQuote) { q.Measurement[0] ^= 1 }), nil, ErrSignature},
		{"signature changed", reencode(func(q *simQuote) { q.Signature[0] ^= 1 }), nil, ErrSignature},
		{"version changed", reencode(func(q *simQuote) { q.Version = 2 }), nil, ErrInvalidEvidence},
		{"short measurement", reencode(func(q *simQuote) { q.Measurement = q.Measurement[:32] }), nil, ErrInvalidEvidence},
		{"no signature", reencode(func(q *simQuote) { q.Signature = nil }), nil, ErrInvalidEvidence},
		{"last byte flipped", flip(ev.Quote, len(ev.Quote)-1), nil, ErrSignature},
		{"trailing byte", append(bytes.Clone(ev.Quote), 0), nil, ErrInvalidEvidence},
		{"not CBOR", []byte("quote"), nil, ErrInvalidEvidence},
		{"collateral", ev.Quote, []byte{0}, ErrInvalidEvidence},
	}
	for _, c := range cases {
		_, err := Verify(Evidence{Platform: Sim, Quote: c.quote, Collateral: c.col}, VerifyOptions{AllowSim: true})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// Sim quotes are signed over the vendor context: an ordinary signature by
// the same key over the same body does not verify.
func TestSimQuoteContext(t *testing.T) {
	m := SimMeasurement(1)
	q := simQuote{Version: simQuoteVersion, Measurement: m, ReportData: make([]byte, ReportDataSize)}
	msg := codec.MustMarshal(q.body())
	q.Signature = simVendorKey.Sign("phalanx/other: v1", msg)
	if _, err := Verify(Evidence{Platform: Sim, Quote: codec.MustMarshal(q)}, VerifyOptions{AllowSim: true}); !errors.Is(err, ErrSignature) {
		t.Errorf("signature under another context: %v", err)
	}
}

func TestUnknownPlatform(t *testing.T) {
	for _, name := range []string{"", "SIM", "sgx", "tdx "} {
		if _, err := Verify(Evidence{Platform: name}, VerifyOptions{Now: sampleNow, AllowSim: true}); !errors.Is(err, ErrUnknownPlatform) {
			t.Errorf("Verify %q: %v", name, err)
		}
		if _, err := Open(name, Options{Dir: t.TempDir()}); !errors.Is(err, ErrUnknownPlatform) {
			t.Errorf("Open %q: %v", name, err)
		}
	}
}
