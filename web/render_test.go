package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phalanx-net/phalanx/chain/modules/contracts"
)

// A contract name with a newline or a terminal escape (possible in state
// written before names were checked) shows as escapes, not as markup or
// raw control bytes.
func TestOverviewShowsNamesEscaped(t *testing.T) {
	s, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.render(rec, "index", &Overview{Contracts: []contracts.Contract{{Name: "vote\n\x1b[31m<b>ready</b>"}}})
	body := rec.Body.String()
	if !strings.Contains(body, `&#34;vote\n\x1b[31m&lt;b&gt;ready&lt;/b&gt;&#34;`) || strings.Contains(body, "\x1b") {
		t.Fatalf("the name is not escaped: %s", body)
	}
}

// The overview says of each contract whether it is ready, waiting for its
// key, or failed, and why.
func TestOverviewShowsWhyAContractFailed(t *testing.T) {
	s, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.render(rec, "index", &Overview{Title: "Phalanx test", Contracts: []contracts.Contract{
		{ID: contracts.Hash{1}, Name: "ready", PublicKey: []byte{1}},
		{ID: contracts.Hash{2}, Name: "waiting"},
		{ID: contracts.Hash{3}, Name: "broken", Status: contracts.StatusInitFailed, Error: "out of gas: used 50000000 of 50000000"},
	}})
	body := rec.Body.String()
	for _, want := range []string{"<td>yes</td>", "waiting for its key", `<span class="bad">failed: init failed: out of gas: used 50000000 of 50000000</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
}
