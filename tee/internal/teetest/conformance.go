package teetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/tee/verify"
)

// Sample is one piece of real evidence and what verifying it establishes.
type Sample struct {
	Name     string
	Evidence verify.Evidence
	Want     verify.Verified
	// NotBefore and Want.NotAfter bound the validity of the evidence's
	// certificates; both zero for a platform without certificates (sim),
	// whose evidence verifies at any time.
	NotBefore time.Time
}

// Refusal is evidence a verifier must refuse, with the kind of error.
type Refusal struct {
	Name     string
	Evidence verify.Evidence
	Want     error
}

// VerifierFixture is what one platform brings to the verifier suite.
type VerifierFixture struct {
	Platform string
	Secure   bool
	// Samples are real evidence of the platform, and Now a time at which
	// all of them are valid.
	Samples []Sample
	Now     time.Time
	// Flip are byte offsets of a sample's quote that a signature covers:
	// flipping any of them must fail with ErrSignature.
	Flip []int
	// Foreign are quotes of other platforms, which this platform's
	// verifier must refuse as ErrInvalidEvidence.
	Foreign [][]byte
	// Refusals are the platform's own malformed and forged cases.
	Refusals []Refusal
}

// RunVerifier is the conformance suite of a platform's verifier: every
// platform passes the same checks on its own evidence, through
// verify.Verify and the table.
func RunVerifier(t *testing.T, f VerifierFixture) {
	if len(f.Samples) == 0 {
		t.Fatal("a verifier fixture needs samples")
	}
	opts := verify.Options{Now: f.Now, AllowSim: true}

	t.Run("table", func(t *testing.T) {
		v, err := verify.Lookup(f.Platform)
		if err != nil {
			t.Fatal(err)
		}
		if v.Name() != f.Platform || v.Secure() != f.Secure || verify.Secure(f.Platform) != f.Secure {
			t.Errorf("name %q secure %v, want %q %v", v.Name(), v.Secure(), f.Platform, f.Secure)
		}
		for _, name := range []string{strings.ToUpper(f.Platform), f.Platform + " ", ""} {
			ev := f.Samples[0].Evidence
			ev.Platform = name
			if _, err := verify.Verify(ev, opts); !errors.Is(err, verify.ErrUnknownPlatform) {
				t.Errorf("platform %q: %v, want ErrUnknownPlatform", name, err)
			}
		}
	})

	t.Run("samples", func(t *testing.T) {
		for _, s := range f.Samples {
			v, err := verify.Verify(s.Evidence, opts)
			if err != nil {
				t.Errorf("%s: %v", s.Name, err)
				continue
			}
			w := s.Want
			if v.Platform != f.Platform || w.Platform != f.Platform {
				t.Errorf("%s: platform %q", s.Name, v.Platform)
			}
			if !bytes.Equal(v.Measurement, w.Measurement) {
				t.Errorf("%s: measurement\n got %x\nwant %x", s.Name, v.Measurement, w.Measurement)
			}
			if v.ReportData != w.ReportData {
				t.Errorf("%s: report data %x, want %x", s.Name, v.ReportData, w.ReportData)
			}
			if v.Debug != w.Debug {
				t.Errorf("%s: debug %v, want %v", s.Name, v.Debug, w.Debug)
			}
			if !v.NotAfter.Equal(w.NotAfter) {
				t.Errorf("%s: not after %v, want %v", s.Name, v.NotAfter, w.NotAfter)
			}
		}
	})

	t.Run("sim only when allowed", func(t *testing.T) {
		_, err := verify.Verify(f.Samples[0].Evidence, verify.Options{Now: f.Now})
		if f.Secure && err != nil {
			t.Errorf("without AllowSim: %v", err)
		}
		if !f.Secure && !errors.Is(err, verify.ErrSimNotAllowed) {
			t.Errorf("without AllowSim: %v, want ErrSimNotAllowed", err)
		}
	})

	t.Run("validity window", func(t *testing.T) {
		for _, s := range f.Samples {
			nb, na := s.NotBefore, s.Want.NotAfter
			cases := []struct {
				now  time.Time
				want error
			}{{nb, nil}, {na, nil}} // both ends included
			if nb.IsZero() && na.IsZero() {
				// No certificates: any time will do.
				cases = append(cases, struct {
					now  time.Time
					want error
				}{time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), nil})
			} else {
				cases = append(cases, []struct {
					now  time.Time
					want error
				}{{nb.Add(-time.Second), verify.ErrExpired}, {na.Add(time.Second), verify.ErrExpired}, {time.Time{}, verify.ErrExpired}}...)
			}
			for _, c := range cases {
				_, err := verify.Verify(s.Evidence, verify.Options{Now: c.now, AllowSim: true})
				if !errors.Is(err, c.want) {
					t.Errorf("%s at %v: %v, want %v", s.Name, c.now, err, c.want)
				}
			}
		}
	})

	t.Run("flipped bytes", func(t *testing.T) {
		if len(f.Flip) == 0 {
			t.Fatal("a verifier fixture needs signed bytes to flip")
		}
		for _, s := range f.Samples {
			for _, i := range f.Flip {
				bad := s.Evidence
				bad.Quote = Flip(s.Evidence.Quote, i)
				if _, err := verify.Verify(bad, opts); !errors.Is(err, verify.ErrSignature) {
					t.Errorf("%s byte %#x flipped: %v, want ErrSignature", s.Name, i, err)
				}
			}
		}
	})

	t.Run("malformed", func(t *testing.T) {
		ev := f.Samples[0].Evidence
		with := func(quote, collateral []byte) verify.Evidence {
			return verify.Evidence{Platform: f.Platform, Quote: quote, Collateral: collateral}
		}
		cases := []Refusal{
			{Name: "empty", Evidence: with(nil, ev.Collateral), Want: verify.ErrInvalidEvidence},
			{Name: "truncated", Evidence: with(ev.Quote[:len(ev.Quote)/2], ev.Collateral), Want: verify.ErrInvalidEvidence},
			{Name: "non-zero trailing byte", Evidence: with(append(bytes.Clone(ev.Quote), 1), ev.Collateral), Want: verify.ErrInvalidEvidence},
			{Name: "quote too large", Evidence: with(make([]byte, verify.MaxQuoteSize+1), ev.Collateral), Want: verify.ErrInvalidEvidence},
			{Name: "collateral too large", Evidence: with(ev.Quote, make([]byte, verify.MaxCollateralSize+1)), Want: verify.ErrInvalidEvidence},
		}
		for i, q := range f.Foreign {
			cases = append(cases, Refusal{Name: fmt.Sprintf("foreign quote %d", i), Evidence: with(q, ev.Collateral), Want: verify.ErrInvalidEvidence})
		}
		cases = append(cases, f.Refusals...)
		for _, c := range cases {
			if _, err := verify.Verify(c.Evidence, opts); !errors.Is(err, c.Want) {
				t.Errorf("%s: %v, want %v", c.Name, err, c.Want)
			}
		}
	})

	// Gatekeepers verify in several goroutines at once (mempool checks
	// beside block execution); verdicts must not interfere.
	t.Run("concurrent", func(t *testing.T) {
		type job struct {
			ev verify.Evidence
			ok bool
		}
		var jobs []job
		for _, s := range f.Samples {
			bad := s.Evidence
			bad.Quote = Flip(s.Evidence.Quote, f.Flip[0])
			jobs = append(jobs, job{s.Evidence, true}, job{bad, false})
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 3 * len(jobs) {
					j := jobs[(i+g)%len(jobs)]
					if _, err := verify.Verify(j.ev, opts); (err == nil) != j.ok {
						t.Errorf("%s: err %v, want ok=%v", j.ev.Platform, err, j.ok)
					}
				}
			})
		}
		wg.Wait()
	})
}

// Attester is what the attester suite needs of a platform (tee.Platform
// has it; the suite does not import tee, whose tests use it).
type Attester interface {
	Name() string
	Secure() bool
	Attest(ctx context.Context, data verify.ReportData) (verify.Evidence, error)
	Measurement(ctx context.Context) ([]byte, error)
}

// AttesterFixture is what one platform brings to the attester suite.
type AttesterFixture struct {
	Attester Attester
	// Data is report data the attester binds (a fake quoting device binds
	// its sample's report data whatever is asked).
	Data verify.ReportData
	// Now is a time at which the attester's evidence is valid.
	Now time.Time
	// Measurement is what the platform is expected to measure.
	Measurement []byte
}

// RunAttester is the conformance suite of a platform's attester: what it
// produces verifies as its platform's evidence, binds the data asked for
// and reports the measurement the attester reads.
func RunAttester(t *testing.T, f AttesterFixture) {
	ctx := context.Background()
	a := f.Attester
	v, err := verify.Lookup(a.Name())
	if err != nil {
		t.Fatal(err)
	}
	if a.Secure() != v.Secure() {
		t.Errorf("%s attester secure %v, verifier %v", a.Name(), a.Secure(), v.Secure())
	}
	ev, err := a.Attest(ctx, f.Data)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Platform != a.Name() {
		t.Errorf("evidence of platform %q from the %s attester", ev.Platform, a.Name())
	}
	got, err := verify.Verify(ev, verify.Options{Now: f.Now, AllowSim: true})
	if err != nil {
		t.Fatalf("own evidence does not verify: %v", err)
	}
	if got.ReportData != f.Data || got.Platform != a.Name() {
		t.Errorf("verified %s with report data %x, want %x", got.Platform, got.ReportData, f.Data)
	}
	m, err := a.Measurement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m, got.Measurement) || !bytes.Equal(m, f.Measurement) {
		t.Errorf("measurement %x, evidence says %x, want %x", m, got.Measurement, f.Measurement)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Attest(cancelled, f.Data); !errors.Is(err, context.Canceled) {
		t.Errorf("Attest with a cancelled context: %v", err)
	}
}
