package tee

import (
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/uuid"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// The table of attesters names exactly the platforms verify knows, in
// the same order, each paired with that platform's verifier.
func TestPlatformTable(t *testing.T) {
	var names []string
	for _, p := range platforms {
		names = append(names, p.verifier.Name())
	}
	if !slices.Equal(names, verify.Platforms()) || !slices.IsSorted(names) {
		t.Errorf("attesters for %v, verifiers for %v", names, verify.Platforms())
	}
	for _, name := range names {
		if !Known(name) {
			t.Errorf("%s unknown", name)
		}
	}
	if Known("sgx") || Secure("sgx") || Secure(Sim) || !Secure(TDX) || !Secure(SEVSNP) {
		t.Error("Known/Secure disagree with the table")
	}
	if _, err := Open("sgx", Options{Dir: t.TempDir()}); !errors.Is(err, ErrUnknownPlatform) {
		t.Errorf("Open(sgx): %v", err)
	}
}

// Every platform's attester passes the same suite: on sim for real, on
// TDX and SEV-SNP through a fake configfs-tsm that returns the platform's
// real sample evidence.
func TestAttesterConformance(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	t.Run(Sim, func(t *testing.T) {
		var data ReportData
		copy(data[:], "the enclave's keys, its operator and the chain id")
		teetest.RunAttester(t, teetest.AttesterFixture{
			Attester: openSimT(t, Options{}), Data: data, Now: teetest.SampleNow,
			Measurement: SimMeasurement(DefaultSimVersion),
		})
	})
	t.Run(TDX, func(t *testing.T) {
		s := teetest.TDXSamples[0]
		p := newTDX(&fakeTSM{provider: tsmTDX, outblob: teetest.ReadTestdata(t, s.File)}, Options{Dir: t.TempDir(), Log: log})
		p.now = func() time.Time { return teetest.SampleNow }
		teetest.RunAttester(t, teetest.AttesterFixture{Attester: p, Data: reportData(t, s.ReportData), Now: teetest.SampleNow, Measurement: s.Measurement(t)})
	})
	t.Run(SEVSNP, func(t *testing.T) {
		s := teetest.SNPSamples[2] // a v3 report names its product line
		col := s.Collateral(t)
		table := (&sevabi.CertTable{Entries: []sevabi.CertTableEntry{{GUID: uuid.MustParse(sevabi.VcekGUID), RawCert: col.VCEK}}}).Marshal()
		p := newSNP(&fakeTSM{provider: tsmSNP, outblob: teetest.ReadTestdata(t, s.Name+".report"), auxblob: table}, nil, Options{Log: log})
		p.now = func() time.Time { return teetest.SampleNow }
		teetest.RunAttester(t, teetest.AttesterFixture{Attester: p, Data: reportData(t, s.ReportData), Now: teetest.SampleNow, Measurement: teetest.Unhex(t, s.Measurement)})
	})
}
