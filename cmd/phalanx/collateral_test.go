package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/tee/pcs/pcstest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// `tee collateral fetch` against Intel's real answers, recorded and
// served locally: the file it writes holds the collateral the chain
// checks, and it says that the set (of June 2025) has expired.
func TestTEECollateralFetch(t *testing.T) {
	raw, err := os.ReadFile(teeCollaterals + "tdx-dcap-qvl-1.collateral.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := pcstest.ParseRecorded("B0C06F000000", raw)
	if err != nil {
		t.Fatal(err)
	}
	srv := pcstest.NewServer(r)
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "tdx.json")
	out := mustRun(t, "tee", "collateral", "fetch", "--platform", "tdx", "--fmspc", "b0c06f000000",
		"--pcs-url", srv.URL, "--root-crl-url", srv.URL+pcstest.RootCRLPath, "--out", file)
	for _, want := range []string{"Collateral   tdx/fmspc/B0C06F000000", "Issued       2025-06-19T10:16:03Z", "Expires      2025-07-19T10:00:35Z", "Check now    FAILS", "Written to   " + file} {
		if !strings.Contains(out, want) {
			t.Errorf("fetch printed, without %q:\n%s", want, out)
		}
	}
	var f collateralFile
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Platform != verify.TDX || f.Scope != "tdx/fmspc/B0C06F000000" {
		t.Fatalf("the file: %+v, %v", f, err)
	}
	got, err := readCollateralFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Check(time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("the fetched collateral does not check when it was current: %v", err)
	}
	// The PCS clients' JSON form reads as the same collateral.
	same, err := readCollateralFile(teeCollaterals + "tdx-dcap-qvl-1.collateral.json")
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := got.Marshal()
	sb, _ := same.Marshal()
	if !bytes.Equal(gb, sb) {
		t.Fatal("the fetched collateral differs from the recorded one")
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--platform", "tdx"}, "needs --fmspc"},
		{[]string{"--platform", "sevsnp"}, "needs --product"},
		{[]string{"--platform", "sim"}, "want tdx or sevsnp"},
		{[]string{"--platform", "tdx", "--fmspc", "00906ED50000", "--pcs-url", srv.URL}, "404"},
		{[]string{"--platform", "sevsnp", "--product", "Genoa", "--kds-url", srv.URL}, "404"},
		{[]string{"--platform", "tdx", "--fmspc", "b0c06f000000", "--pcs-url", srv.URL, "--root-crl-url", srv.URL + pcstest.RootCRLPath, "--out", file, "--submit"}, "needs --from"},
	} {
		if out, err := run(t, "", append([]string{"tee", "collateral", "fetch"}, c.args...)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("fetch %v: %v, want %q\n%s", c.args, err, c.want, out)
		}
	}
	if _, err := run(t, "", "tee", "collateral", "submit", file); err == nil || !strings.Contains(err.Error(), "--from") {
		t.Errorf("submit without --from: %v", err)
	}
}
