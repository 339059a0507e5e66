package tee

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/google/go-configfs-tsm/configfs/configfsi"

	"github.com/phalanx-net/phalanx/tee/verify"
)

// TDXSealingKeyFile is the name of the tdx platform's sealing key file in
// Options.Dir.
const TDXSealingKeyFile = "tdx-sealing.key"

// tdxPlatform is an Intel TDX trust domain. Quotes come from the kernel's
// configfs-tsm interface (the tdx_guest driver and the host's quoting
// enclave).
//
// TDX has no sealing key: no instruction derives a key bound to the TD's
// measurement. With Options.Released (a worker), the sealing root is
// released to the TD by the gatekeepers' key manager, derived from the
// master key, the TD's measurement and its machine's identity, so no
// file on the disk opens anything. Without it (a gatekeeper's own
// enclave, which holds the master key the roots derive from), sealing
// uses a random key kept in a file in Options.Dir, which is exactly as
// confidential as the TD's disk: safe when the root filesystem is
// encrypted with a key released only to this TD, no better than sim on
// a plain disk.
type tdxPlatform struct {
	tsm configfsi.Client
	now func() time.Time // the clock Attest checks fresh quotes at
	*sealer
}

func openTDX(opts Options) (*tdxPlatform, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("tdx: %w", errNoDir)
	}
	tsm, err := openTSM(tsmTDX)
	if err != nil {
		return nil, fmt.Errorf("tdx: %w", err)
	}
	return newTDX(tsm, opts), nil
}

func newTDX(tsm configfsi.Client, opts Options) *tdxPlatform {
	path := filepath.Join(opts.Dir, TDXSealingKeyFile)
	return &tdxPlatform{tsm: tsm, now: time.Now, sealer: &sealer{platform: TDX, root: rootSource(opts, path)}}
}

func (*tdxPlatform) Name() string { return TDX }
func (*tdxPlatform) Secure() bool { return true }

// Attest returns a TDX quote binding data. The quote carries its PCK
// certificate chain, so the evidence has no collateral. The fresh quote is
// verified at once (at the wall-clock time) so that a platform producing
// unverifiable quotes is found here rather than by a refused transaction.
func (p *tdxPlatform) Attest(ctx context.Context, data ReportData) (Evidence, error) {
	resp, err := tsmReport(ctx, p.tsm, tsmTDX, data[:], false)
	if err != nil {
		return Evidence{}, fmt.Errorf("tdx: %w", err)
	}
	quote, err := verify.CanonicalTDXQuote(resp.OutBlob)
	if err != nil {
		return Evidence{}, fmt.Errorf("tdx: %w", err)
	}
	ev := Evidence{Platform: TDX, Quote: quote}
	v, err := Verify(ev, VerifyOptions{Now: p.now()})
	if err != nil {
		return Evidence{}, fmt.Errorf("tdx: this TD's fresh quote does not verify: %w", err)
	}
	if v.ReportData != data {
		return Evidence{}, fmt.Errorf("tdx: the fresh quote binds other report data")
	}
	return ev, nil
}

// Measurement returns MRTD||RTMR0..3 from a fresh quote. RTMRs can be
// extended while the TD runs, so it is read each time.
func (p *tdxPlatform) Measurement(ctx context.Context) ([]byte, error) {
	resp, err := tsmReport(ctx, p.tsm, tsmTDX, make([]byte, ReportDataSize), false)
	if err != nil {
		return nil, fmt.Errorf("tdx: %w", err)
	}
	m, err := verify.TDXMeasurement(resp.OutBlob)
	if err != nil {
		return nil, fmt.Errorf("tdx: %w", err)
	}
	return m, nil
}
