package tee

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/linuxtsm"
	"github.com/google/go-configfs-tsm/report"
)

// configfs-tsm providers: the kernel driver behind
// /sys/kernel/config/tsm/report.
const (
	tsmTDX = "tdx_guest"
	tsmSNP = "sev_guest"
)

// openTSM opens the Linux configfs-tsm report interface and checks that
// provider (the TEE's guest driver) serves it. Both TDX and SEV-SNP guests
// get their quotes this way; a machine without it has no TEE.
func openTSM(provider string) (configfsi.Client, error) {
	client, err := linuxtsm.MakeClient()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no %s/report (this machine is not a TDX or SEV-SNP guest, or configfs is not mounted): %w", ErrUnavailable, configfsi.TsmPrefix, err)
		}
		return nil, fmt.Errorf("configfs-tsm: %w", err)
	}
	r, err := report.Create(client, &report.Request{})
	if err != nil {
		return nil, fmt.Errorf("configfs-tsm: %w", err)
	}
	got, err := r.ReadOption("provider")
	r.Destroy()
	if err != nil {
		return nil, fmt.Errorf("configfs-tsm: %w", err)
	}
	if p := strings.TrimSpace(string(got)); p != provider {
		return nil, fmt.Errorf("%w: configfs-tsm is served by %q, not %q", ErrUnavailable, p, provider)
	}
	return client, nil
}

// tsmReport asks configfs-tsm for a report binding inblob, with the
// auxiliary blob (SEV-SNP's certificate table) if aux is set.
func tsmReport(ctx context.Context, client configfsi.Client, provider string, inblob []byte, aux bool) (*report.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp, err := report.Get(client, &report.Request{InBlob: inblob, GetAuxBlob: aux})
	if err != nil {
		return nil, fmt.Errorf("configfs-tsm report: %w", err)
	}
	if p := strings.TrimSpace(resp.Provider); p != provider {
		return nil, fmt.Errorf("%w: configfs-tsm report from %q, not %q", ErrUnavailable, p, provider)
	}
	return resp, nil
}
