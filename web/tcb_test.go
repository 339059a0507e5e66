package web

import (
	"net/http/httptest"
	"strings"
	"testing"

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
