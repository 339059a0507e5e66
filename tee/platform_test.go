package tee

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	tdxabi "github.com/google/go-tdx-guest/abi"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/uuid"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
)

// This machine is not a TDX or SEV-SNP guest; where one is, the hardware
// answers and these tests have nothing to say.
func TestHardwarePlatformsUnavailable(t *testing.T) {
	for _, name := range []string{TDX, SEVSNP} {
		p, err := Open(name, Options{Dir: t.TempDir()})
		if err == nil {
			t.Logf("%s is available here; Attest is exercised on hardware only", name)
			if !p.Secure() || p.Name() != name {
				t.Errorf("%s: name %q secure %v", name, p.Name(), p.Secure())
			}
			continue
		}
		if !errors.Is(err, ErrUnavailable) {
			if _, statErr := os.Stat("/sys/kernel/config/tsm/report"); statErr == nil {
				t.Skipf("%s: configfs-tsm exists but is not usable here: %v", name, err)
			}
			t.Errorf("Open(%s): %v, want ErrUnavailable", name, err)
		}
	}
}

// fakeTSM stands in for /sys/kernel/config/tsm/report: each report entry
// counts writes in its generation, as the kernel does, and answers
// outblob with a fixed quote.
type fakeTSM struct {
	provider string
	outblob  []byte
	auxblob  []byte

	mu      sync.Mutex
	n       int
	entries map[string]*fakeEntry
}

type fakeEntry struct {
	generation uint64
	inblob     []byte
}

func (f *fakeTSM) MkdirTemp(dir, pattern string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	p := path.Join(dir, fmt.Sprintf("%s%d", pattern, f.n))
	if f.entries == nil {
		f.entries = map[string]*fakeEntry{}
	}
	f.entries[p] = &fakeEntry{}
	return p, nil
}

func (f *fakeTSM) entry(name string) (*fakeEntry, string, error) {
	dir, attr := path.Split(name)
	e, ok := f.entries[strings.TrimSuffix(dir, "/")]
	if !ok {
		return nil, "", os.ErrNotExist
	}
	return e, attr, nil
}

func (f *fakeTSM) ReadFile(name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, attr, err := f.entry(name)
	if err != nil {
		return nil, err
	}
	switch attr {
	case "generation":
		return fmt.Appendf(nil, "%d\n", e.generation), nil
	case "provider":
		return []byte(f.provider + "\n"), nil
	case "outblob":
		return bytes.Clone(f.outblob), nil
	case "auxblob":
		return bytes.Clone(f.auxblob), nil
	}
	return nil, os.ErrNotExist
}

func (f *fakeTSM) WriteFile(name string, contents []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, attr, err := f.entry(name)
	if err != nil {
		return err
	}
	if attr == "inblob" {
		e.inblob = bytes.Clone(contents)
	}
	e.generation++
	return nil
}

func (f *fakeTSM) RemoveAll(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.entries, name)
	return nil
}

func (f *fakeTSM) ReadDir(string) ([]os.DirEntry, error) { return nil, nil }

func reportData(t *testing.T, s string) ReportData {
	var d ReportData
	copy(d[:], teetest.Unhex(t, s))
	return d
}

func TestTDXAttestThroughConfigfs(t *testing.T) {
	ctx := context.Background()
	s := teetest.TDXSamples[0]
	quote := teetest.ReadTestdata(t, s.File)
	p := newTDX(&fakeTSM{provider: tsmTDX, outblob: quote}, Options{Dir: t.TempDir(), Log: slog.New(slog.DiscardHandler)})
	p.now = func() time.Time { return teetest.SampleNow }

	ev, err := p.Attest(ctx, reportData(t, s.ReportData))
	if err != nil {
		t.Fatal(err)
	}
	// The zero padding after the signed data is dropped.
	if ev.Platform != TDX || !bytes.Equal(ev.Quote, quote[:teetest.TDXSignedEnd(quote)]) || ev.Collateral != nil {
		t.Errorf("evidence %s, %d bytes, collateral %d", ev.Platform, len(ev.Quote), len(ev.Collateral))
	}
	// The fake ignores the report data asked for; Attest notices.
	if _, err := p.Attest(ctx, ReportData{1}); err == nil {
		t.Error("a quote binding other report data was returned")
	}
	m, err := p.Measurement(ctx)
	if err != nil || !bytes.Equal(m, s.Measurement(t)) {
		t.Errorf("measurement %x, %v", m, err)
	}
	// A quote that does not verify is refused at the source.
	p.now = func() time.Time { return teetest.ParseTime(t, s.NotAfter).Add(time.Hour) }
	if _, err := p.Attest(ctx, reportData(t, s.ReportData)); !errors.Is(err, ErrExpired) {
		t.Errorf("expired quote: %v", err)
	}
	// Another TEE's driver behind configfs-tsm.
	other := newTDX(&fakeTSM{provider: tsmSNP, outblob: quote}, Options{Dir: t.TempDir(), Log: slog.New(slog.DiscardHandler)})
	if _, err := other.Attest(ctx, ReportData{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("sev_guest provider: %v", err)
	}
	// Sealing works as on sim, with its own key file.
	sealed, err := p.Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Unseal(sealed, nil); err != nil || string(got) != "x" {
		t.Errorf("unseal %q, %v", got, err)
	}
}

func TestSNPAttestThroughConfigfs(t *testing.T) {
	ctx := context.Background()
	s := teetest.SNPSamples[2] // a v3 report names its product line
	report := teetest.ReadTestdata(t, s.Name+".report")
	col := s.Collateral(t)
	want := s.Evidence(t)
	table := (&sevabi.CertTable{Entries: []sevabi.CertTableEntry{{GUID: uuid.MustParse(sevabi.VcekGUID), RawCert: col.VCEK}}}).Marshal()
	r, err := sevabi.ReportToProto(report)
	if err != nil {
		t.Fatal(err)
	}
	vcekURL := kds.VCEKCertURL("Genoa", r.ChipId, kds.TCBVersion(r.ReportedTcb))

	for _, c := range []struct {
		name    string
		auxblob []byte
		kds     kdsMap
	}{
		{"VCEK from the host", table, nil},
		{"VCEK from KDS", nil, kdsMap{vcekURL: col.VCEK}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newSNP(&fakeTSM{provider: tsmSNP, outblob: report, auxblob: c.auxblob}, c.kds, Options{Log: slog.New(slog.DiscardHandler)})
			p.now = func() time.Time { return teetest.SampleNow }
			ev, err := p.Attest(ctx, reportData(t, s.ReportData))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Platform != SEVSNP || !bytes.Equal(ev.Quote, want.Quote) || !bytes.Equal(ev.Collateral, want.Collateral) {
				t.Error("evidence differs from the sample's")
			}
			m, err := p.Measurement(ctx)
			if err != nil || !bytes.Equal(m, teetest.Unhex(t, s.Measurement)) {
				t.Errorf("measurement %x, %v", m, err)
			}
		})
	}
	p := newSNP(&fakeTSM{provider: tsmSNP, outblob: report}, kdsMap{}, Options{Log: slog.New(slog.DiscardHandler)})
	if _, err := p.Attest(ctx, reportData(t, s.ReportData)); err == nil {
		t.Error("attested without a VCEK")
	}
}

// A quote whose PCK chain PEM has other line breaks is refused by Verify,
// and put right by Attest, which rewrites what no signature covers.
func TestTDXAttestCanonicalizesChain(t *testing.T) {
	s := teetest.TDXSamples[2] // no padding: canonical as it is
	quote := teetest.ReadTestdata(t, s.File)
	loose := withCRLF(t, quote)
	if _, err := Verify(Evidence{Platform: TDX, Quote: loose}, VerifyOptions{Now: teetest.SampleNow}); !errors.Is(err, ErrInvalidEvidence) {
		t.Fatalf("CRLF chain: %v, want ErrInvalidEvidence", err)
	}
	p := newTDX(&fakeTSM{provider: tsmTDX, outblob: loose}, Options{Dir: t.TempDir(), Log: slog.New(slog.DiscardHandler)})
	p.now = func() time.Time { return teetest.SampleNow }
	ev, err := p.Attest(context.Background(), reportData(t, s.ReportData))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ev.Quote, quote) {
		t.Error("Attest did not restore the canonical quote")
	}
}

// withCRLF returns quote with its PCK chain's line ends written CRLF, and
// the sizes around the chain adjusted: the same certificates, other text.
func withCRLF(t *testing.T, quote []byte) []byte {
	parsed, err := tdxabi.QuoteToProto(quote)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.(*tdxpb.QuoteV4)
	cert := q.GetSignedData().GetCertificationData()
	pck := cert.GetQeReportCertificationData().GetPckCertificateChainData()
	crlf := bytes.ReplaceAll(pck.PckCertChain, []byte("\n"), []byte("\r\n"))
	delta := uint32(len(crlf) - len(pck.PckCertChain))
	pck.PckCertChain, pck.Size, cert.Size, q.SignedDataSize = crlf, pck.Size+delta, cert.Size+delta, q.SignedDataSize+delta
	out, err := tdxabi.QuoteToAbiBytes(q)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kdsMap stands in for AMD's KDS: it serves the VCEK at its URL, and
// nothing else.
type kdsMap map[string][]byte

func (k kdsMap) Get(url string) ([]byte, error) {
	b, ok := k[url]
	if !ok {
		return nil, fmt.Errorf("%s: not found", url)
	}
	return b, nil
}
