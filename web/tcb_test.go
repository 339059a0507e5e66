package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

// The workers' table says each worker's TCB status and confidence level.
func TestOverviewShowsTCBAndConfidence(t *testing.T) {
	s, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.render(rec, "index", &Overview{Workers: []WorkerRow{
		{Enclave: registry.Enclave{Platform: "tdx", TCBStatus: "OutOfDate", Confidence: 5, Scope: "tdx/fmspc/B0C06F000000", Advisories: []string{"INTEL-SA-00837"}}},
		{Enclave: registry.Enclave{Platform: "sim"}, Sim: true},
	}})
	body := rec.Body.String()
	for _, want := range []string{`title="tdx/fmspc/B0C06F000000 INTEL-SA-00837">OutOfDate</span>`, "<td>5 (conf 0.7)</td>", "<td>not assessed</td>", "<td>— (conf 1)</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
}

// The dashboard lists the stored collateral and flags what expires.
func TestOverviewShowsCollateralExpiry(t *testing.T) {
	s, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC)
	rows := collateralRows([]registry.Collateral{
		{Scope: "sevsnp/Milan", Expires: now.AddDate(0, 0, 30).Unix()},
		{Scope: "tdx/fmspc/90C06F000000", Expires: now.Add(-time.Hour).Unix()},
		{Scope: "tdx/fmspc/B0C06F000000", Expires: now.AddDate(0, 0, 4).Unix()},
	}, now)
	rec := httptest.NewRecorder()
	s.render(rec, "index", &Overview{Collateral: rows})
	body := rec.Body.String()
	for _, want := range []string{"<code>tdx/fmspc/90C06F000000</code>", `<td class="bad">expired</td>`, `<td class="warn">expires soon</td>`, "<td>current</td>", "2025-07-19 00:00"} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	rec = httptest.NewRecorder()
	s.render(rec, "index", &Overview{})
	if !strings.Contains(rec.Body.String(), "none stored") {
		t.Error("no collateral is not said")
	}
}
