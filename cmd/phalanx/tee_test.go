package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	teeSamples     = "../../tee/testdata/"
	teeCollaterals = "../../tee/verify/testdata/"
)

// `tee verify` on the real samples: what an operator diagnosing a machine
// sees, in text and JSON, and the refusals with their codes.
func TestTEEVerify(t *testing.T) {
	quote := teeSamples + "tdx-dcap-qvl-1.quote"
	col := teeCollaterals + "tdx-dcap-qvl-1.collateral.json"

	out := mustRun(t, "tee", "verify", quote, "--collateral", col, "--at", "2025-06-20T00:00:00Z")
	for _, want := range []string{"Platform     tdx", "Measurement  91eb2b44", "FMSPC        B0C06F000000", "TCB status   UpToDate (level of 2024-03-13)", "Advisories   none"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	var got teeVerifyOut
	if err := json.Unmarshal([]byte(mustRun(t, "tee", "verify", quote, "--collateral", col, "--at", "2025-06-20T00:00:00Z", "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Platform != "tdx" || got.TCBStatus != "UpToDate" || got.FMSPC != "B0C06F000000" || got.Collateral != "tdx/fmspc/B0C06F000000" || len(got.Measurement) != 480 {
		t.Errorf("json output %+v", got)
	}

	if out := mustRun(t, "tee", "verify", quote, "--at", "2025-06-20T00:00:00Z"); !strings.Contains(out, "TCB status   unknown (no collateral") {
		t.Errorf("without collateral:\n%s", out)
	}
	// A day after the PCK CRL's nextUpdate: the collateral has expired.
	if out, err := run(t, "", "tee", "verify", quote, "--collateral", col, "--at", "2025-07-20T12:00:00Z"); err == nil || !strings.Contains(err.Error(), "(tee/3)") {
		t.Errorf("expired collateral: %v\n%s", err, out)
	}
	// Another platform's collateral for this quote.
	other := teeCollaterals + "tdx-dcap-qvl-outdated.collateral.json"
	if out, err := run(t, "", "tee", "verify", quote, "--collateral", other, "--at", "2026-02-19T00:00:00Z"); err == nil || !strings.Contains(err.Error(), "(tee/4)") {
		t.Errorf("another FMSPC's collateral: %v\n%s", err, out)
	}

	// A version 5 quote (TDX 1.5): its measurement without collateral; with
	// its own collateral, its TCB below every level Intel lists.
	v5 := teeCollaterals + "tdx-dcap-qvl-outdated.quote"
	if out := mustRun(t, "tee", "verify", v5, "--at", "2026-02-19T00:00:00Z"); !strings.Contains(out, "Platform     tdx") || !strings.Contains(out, "Measurement  273828c46252fcbd") {
		t.Errorf("version 5 quote:\n%s", out)
	}
	if out, err := run(t, "", "tee", "verify", v5, "--collateral", other, "--at", "2026-02-19T00:00:00Z"); err == nil || !strings.Contains(err.Error(), "(tee/7)") {
		t.Errorf("the outdated sample with its collateral: %v\n%s", err, out)
	}

	// SEV-SNP, with a collateral file holding the VCEK.
	vcek, err := os.ReadFile(teeSamples + "snp-virtee-sev-1.vcek.der")
	if err != nil {
		t.Fatal(err)
	}
	snpCol := filepath.Join(t.TempDir(), "snp.json")
	if err := os.WriteFile(snpCol, []byte(`{"vcek": "`+hex.EncodeToString(vcek)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	report := teeSamples + "snp-virtee-sev-1.report"
	got = teeVerifyOut{}
	if err := json.Unmarshal([]byte(mustRun(t, "tee", "verify", report, "--collateral", snpCol, "--at", "2025-09-01T00:00:00Z", "--min-tcb", "0x7308000000000003", "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Platform != "sevsnp" || got.ProductLine != "Milan" || got.ReportedTCB != "0x7308000000000003" || got.Policy != "0x30000" || got.VMPL == nil || *got.VMPL != 0 {
		t.Errorf("sevsnp json output %+v", got)
	}
	if out := mustRun(t, "tee", "verify", report, "--collateral", snpCol, "--at", "2025-09-01T00:00:00Z"); !strings.Contains(out, "Product line Milan") || !strings.Contains(out, "Reported TCB 0x7308000000000003") {
		t.Errorf("sevsnp text output:\n%s", out)
	}
	if out, err := run(t, "", "tee", "verify", report, "--collateral", snpCol, "--at", "2025-09-01T00:00:00Z", "--min-tcb", "7309000000000003"); err == nil || !strings.Contains(err.Error(), "(tee/7)") {
		t.Errorf("sevsnp below the minimum: %v\n%s", err, out)
	}
	if _, err := run(t, "", "tee", "verify", report); err == nil || !strings.Contains(err.Error(), "--collateral") {
		t.Errorf("sevsnp without collateral: %v", err)
	}
	if _, err := run(t, "", "tee", "verify", quote, "--platform", "sim"); err == nil {
		t.Error("--platform sim accepted")
	}
}
