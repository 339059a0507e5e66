package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

// A worker that sent its online message at height 10 and heartbeats since
// was last online at its last heartbeat, not at 10.
func TestPrintEnclaveLastOnline(t *testing.T) {
	e := registry.Enclave{Platform: "sim", LastSeenHeight: 10, SyncedHeight: 9}
	for _, c := range []struct {
		heartbeat int64
		want      string
	}{
		{130, "last online     height 130 (its last heartbeat)"},
		{0, "last online     height 10 (had verified the chain to 9)"},
	} {
		var b bytes.Buffer
		printEnclave(&b, e, c.heartbeat)
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("heartbeat at %d: %s; want %q", c.heartbeat, b.String(), c.want)
		}
	}
}

// A name with a newline and an escape (possible in state written before
// names were checked) stays on its line, its control bytes shown escaped.
func TestPrintContractsEscapesNames(t *testing.T) {
	var b bytes.Buffer
	printContracts(&b, []contracts.Contract{{Name: "vote\nContract 00 fake\x1b[0m", PublicKey: []byte{1}}})
	out := b.String()
	if strings.Contains(out, "\x1b") || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"vote\nContract 00 fake\x1b[0m"`) {
		t.Fatalf("contract show printed %q", out)
	}
}

// A worker's record shows its TCB status, advisories and confidence
// level with the factor it earns by.
func TestPrintEnclaveTCB(t *testing.T) {
	var b bytes.Buffer
	printEnclave(&b, registry.Enclave{Platform: "tdx", Scope: "tdx/fmspc/B0C06F000000", TCBStatus: "ConfigurationAndSWHardeningNeeded",
		TCBDate: 1723593600, Advisories: []string{"INTEL-SA-00615", "INTEL-SA-00837"}, Confidence: 4}, 0)
	for _, want := range []string{"collateral      tdx/fmspc/B0C06F000000", "tcb status      ConfigurationAndSWHardeningNeeded (level of 2024-08-14)",
		"advisories      INTEL-SA-00615, INTEL-SA-00837", "confidence      level 4 (conf 0.8)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s\nlacks %q", b.String(), want)
		}
	}
	b.Reset()
	printEnclave(&b, registry.Enclave{Platform: "sim"}, 0)
	if !strings.Contains(b.String(), "confidence      not assessed (conf 1)") {
		t.Errorf("a sim worker: %s", b.String())
	}
}

// Status flags the collateral that expires within a week and the
// collateral that has expired, and says how to renew it.
func TestPrintCollateral(t *testing.T) {
	now := time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC)
	cols := collateralStatuses([]registry.Collateral{
		{Scope: "sevsnp/Milan", Issued: now.AddDate(0, 0, -1).Unix(), Expires: now.AddDate(0, 0, 30).Unix()},
		{Scope: "tdx/fmspc/90C06F000000", Issued: now.AddDate(0, -1, 0).Unix(), Expires: now.Add(-time.Hour).Unix()},
		{Scope: "tdx/fmspc/B0C06F000000", Issued: now.AddDate(0, 0, -25).Unix(), Expires: now.AddDate(0, 0, 4).Unix()},
	}, now)
	if cols[0].State != registry.CollateralCurrent || cols[1].State != registry.CollateralExpired || cols[2].State != registry.CollateralDue {
		t.Fatalf("states %+v", cols)
	}
	var b bytes.Buffer
	printCollateral(&b, cols)
	out := b.String()
	for _, want := range []string{"sevsnp/Milan                 issued 2025-07-14T00:00:00Z, expires 2025-08-14T00:00:00Z\n",
		"tdx/fmspc/90C06F000000       issued 2025-06-15T00:00:00Z, expires 2025-07-14T23:00:00Z  EXPIRED", "B0C06F000000       issued 2025-06-20T00:00:00Z, expires 2025-07-19T00:00:00Z  expires soon",
		"phalanx tee collateral fetch --submit"} {
		if !strings.Contains(out, want) {
			t.Errorf("%s\nlacks %q", out, want)
		}
	}
	b.Reset()
	printCollateral(&b, nil)
	if !strings.Contains(b.String(), "none stored") {
		t.Errorf("without collateral: %s", b.String())
	}
}
