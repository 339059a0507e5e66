package tee

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	sevabi "github.com/google/go-sev-guest/abi"
	sevclient "github.com/google/go-sev-guest/client"
	"github.com/google/go-sev-guest/kds"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/phalanx-net/phalanx/tee/verify"
)

// snpPlatform is an AMD SEV-SNP guest. Reports come from the kernel's
// configfs-tsm interface (the sev_guest driver); the collateral is
// gathered here, at attestation time, so that verifiers fetch nothing.
//
// Sealing uses a key the SEV firmware derives from the chip's VCEK, the
// guest's launch measurement and its policy (MSG_KEY_REQ through
// /dev/sev-guest): only a guest launched with the same measurement and
// policy on the same chip obtains it, and the host never sees it. This is
// worth what the measurement covers: the launch measurement must include
// the worker (kernel, initrd and command line measured at launch), or any
// guest booted with the same firmware on that chip derives the same key.
// Data sealed this way does not survive moving to another machine or
// changing the measurement (and may not survive a firmware update); the
// enclave's keys are created and registered anew then.
type snpPlatform struct {
	tsm configfsi.Client
	kds trust.HTTPSGetter // AMD KDS, for a VCEK the host does not supply
	now func() time.Time  // the clock Attest checks fresh evidence at
	log *slog.Logger
	*sealer
}

func openSNP(opts Options, kdsGetter trust.HTTPSGetter) (*snpPlatform, error) {
	tsm, err := openTSM(tsmSNP)
	if err != nil {
		return nil, fmt.Errorf("sevsnp: %w", err)
	}
	p := newSNP(tsm, kdsGetter, opts)
	// Derive the sealing key now: a guest that cannot seal cannot keep
	// an enclave's keys, and should hear so at start-up.
	if _, err := p.aeadKey(false); err != nil {
		return nil, fmt.Errorf("sevsnp: sealing key: %w", err)
	}
	return p, nil
}

func newSNP(tsm configfsi.Client, kdsGetter trust.HTTPSGetter, opts Options) *snpPlatform {
	p := &snpPlatform{tsm: tsm, kds: kdsGetter, now: time.Now, log: opts.Log}
	p.sealer = &sealer{platform: SEVSNP, root: func(bool) ([]byte, error) { return p.derivedKey() }}
	return p
}

func (*snpPlatform) Name() string { return SEVSNP }
func (*snpPlatform) Secure() bool { return true }

// Attest returns an SNP report binding data, with its VCEK and AMD's
// ASK/ARK chain as collateral. The VCEK comes from the certificate table
// the host supplies with the report if there is one, and from AMD's KDS
// otherwise; the chain is the one embedded in go-sev-guest, which is what
// KDS serves and the only chain Verify accepts. The fresh evidence is
// verified at once (at the wall-clock time).
func (p *snpPlatform) Attest(ctx context.Context, data ReportData) (Evidence, error) {
	resp, err := tsmReport(ctx, p.tsm, tsmSNP, data[:], true)
	if err != nil {
		return Evidence{}, fmt.Errorf("sevsnp: %w", err)
	}
	report, err := verify.ParseSNPReport(resp.OutBlob)
	if err != nil {
		return Evidence{}, fmt.Errorf("sevsnp: %w", err)
	}
	line := kds.ProductLine(sevabi.SevProduct()) // this CPU, for v2 reports
	if fms := report.GetCpuid1EaxFms(); fms != 0 {
		line = kds.ProductLineFromFms(fms)
	}
	chain, err := verify.SNPCertChain(line)
	if err != nil {
		return Evidence{}, err
	}
	vcek, err := p.vcek(ctx, resp.AuxBlob, line, report.GetChipId(), report.GetReportedTcb())
	if err != nil {
		return Evidence{}, err
	}
	col, err := SNPCollateral{VCEK: vcek, CertChain: chain}.Marshal()
	if err != nil {
		return Evidence{}, err
	}
	ev := Evidence{Platform: SEVSNP, Quote: resp.OutBlob, Collateral: col}
	v, err := Verify(ev, VerifyOptions{Now: p.now()})
	if err != nil {
		return Evidence{}, fmt.Errorf("sevsnp: this guest's fresh report does not verify: %w", err)
	}
	if v.ReportData != data {
		return Evidence{}, fmt.Errorf("sevsnp: the fresh report binds other report data")
	}
	return ev, nil
}

// vcek returns the DER VCEK for the report: from the host's certificate
// table (auxblob) if it has one, else from AMD's KDS.
func (p *snpPlatform) vcek(ctx context.Context, auxblob []byte, line string, chipID []byte, tcb uint64) ([]byte, error) {
	if len(auxblob) != 0 {
		var table sevabi.CertTable
		if err := table.Unmarshal(auxblob); err != nil {
			return nil, fmt.Errorf("sevsnp: host certificate table: %w", err)
		}
		if raw, err := table.GetByGUIDString(sevabi.VcekGUID); err == nil {
			cert, err := trust.ParseCert(raw) // DER, or PEM on some hosts
			if err != nil {
				return nil, fmt.Errorf("sevsnp: host VCEK: %w", err)
			}
			return cert.Raw, nil
		}
	}
	url := kds.VCEKCertURL(line, chipID, kds.TCBVersion(tcb))
	p.log.Info("fetching VCEK from AMD KDS", "url", url)
	der, err := trust.GetWith(ctx, p.kds, url)
	if err != nil {
		return nil, fmt.Errorf("sevsnp: fetch VCEK from AMD KDS: %w", err)
	}
	return der, nil
}

// Measurement returns the launch measurement from a fresh report.
func (p *snpPlatform) Measurement(ctx context.Context) ([]byte, error) {
	resp, err := tsmReport(ctx, p.tsm, tsmSNP, make([]byte, ReportDataSize), false)
	if err != nil {
		return nil, fmt.Errorf("sevsnp: %w", err)
	}
	report, err := verify.ParseSNPReport(resp.OutBlob)
	if err != nil {
		return nil, fmt.Errorf("sevsnp: %w", err)
	}
	return bytes.Clone(report.GetMeasurement()), nil
}

// derivedKey asks the SEV firmware for the guest's sealing root key:
// derived from the VCEK, mixing in the launch measurement and the guest
// policy, at the VMPL the guest's reports come from (a guest under a
// paravisor does not run at VMPL 0, and may not ask for a key of a more
// privileged level).
func (p *snpPlatform) derivedKey() ([]byte, error) {
	resp, err := tsmReport(context.Background(), p.tsm, tsmSNP, make([]byte, ReportDataSize), false)
	if err != nil {
		return nil, err
	}
	report, err := verify.ParseSNPReport(resp.OutBlob)
	if err != nil {
		return nil, err
	}
	dev, err := sevclient.OpenDevice()
	if err != nil {
		return nil, fmt.Errorf("%w: SEV guest device: %w", ErrUnavailable, err)
	}
	defer dev.Close()
	key, err := sevclient.GetDerivedKeyAcknowledgingItsLimitations(dev, &sevclient.SnpDerivedKeyReq{
		UseVCEK:          true,
		GuestFieldSelect: sevclient.GuestFieldSelect{Measurement: true, GuestPolicy: true},
		Vmpl:             report.GetVmpl(),
	})
	if err != nil {
		return nil, fmt.Errorf("SEV derived key: %w", err)
	}
	if key.Status != 0 {
		return nil, fmt.Errorf("SEV derived key: firmware status %#x", key.Status)
	}
	return bytes.Clone(key.Data[:]), nil
}
