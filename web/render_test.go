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
