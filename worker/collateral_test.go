package worker

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/tee/pcs"
	"github.com/phalanx-net/phalanx/tee/pcs/pcstest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Intel's real collateral for tdx-dcap-qvl-1, served as PCS answers it,
// and a time inside its window.
var (
	sampleIssued = time.Date(2025, 6, 19, 10, 16, 3, 0, time.UTC) // its TCB info's issueDate
	sampleAt     = time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)
)

func recordedPCS(t *testing.T) (*pcstest.Server, verify.Evidence) {
	t.Helper()
	col, err := os.ReadFile("../tee/verify/testdata/tdx-dcap-qvl-1.collateral.json")
	if err != nil {
		t.Fatal(err)
	}
	quote, err := os.ReadFile("../tee/testdata/tdx-dcap-qvl-1.quote")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := pcstest.ParseRecorded("B0C06F000000", col)
	if err != nil {
		t.Fatal(err)
	}
	srv := pcstest.NewServer(rec)
	t.Cleanup(srv.Close)
	return srv, verify.Evidence{Platform: verify.TDX, Quote: quote}
}

// A host fetches its scope's collateral when the chain stores none or
// its set is due, and not when the set is current or the vendor has
// nothing newer; what it fetched checks at the chain's time, or is not
// taken.
func TestFetchCollateralWhenTheChainNeedsIt(t *testing.T) {
	srv, ev := recordedPCS(t)
	f := pcs.Fetcher{IntelURL: srv.URL, RootCRLURL: srv.URL + pcstest.RootCRLPath}
	const scope = "tdx/fmspc/B0C06F000000"
	ctx := context.Background()
	stored := func(issued, expires time.Time) *registry.Collateral {
		return &registry.Collateral{Platform: verify.TDX, Scope: scope, Issued: issued.Unix(), Expires: expires.Unix()}
	}
	for _, c := range []struct {
		name    string
		stored  *registry.Collateral
		fetches bool
		takes   bool
	}{
		{"none stored", nil, true, true},
		{"an older set due in three days", stored(sampleIssued.AddDate(0, -1, 0), sampleAt.AddDate(0, 0, 3)), true, true},
		{"an older set still current", stored(sampleIssued.AddDate(0, -1, 0), sampleAt.AddDate(0, 0, 20)), false, false},
		{"due, but the vendor has nothing newer", stored(sampleIssued, sampleAt.AddDate(0, 0, 3)), true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(srv.Requests())
			col, err := fetchCollateral(ctx, f, ev, scope, c.stored, sampleAt)
			if err != nil {
				t.Fatal(err)
			}
			if fetched := len(srv.Requests()) > before; fetched != c.fetches {
				t.Fatalf("fetched %v, want %v (%v)", fetched, c.fetches, srv.Requests()[before:])
			}
			if (col != nil) != c.takes {
				t.Fatalf("took %v, want %v", col != nil, c.takes)
			}
			if col != nil && (col.Scope() != scope || !col.Issued().Equal(sampleIssued)) {
				t.Fatalf("fetched %s issued %s", col.Scope(), col.Issued())
			}
		})
	}
	// The PCK CRL asked for is that of the CA the quote's PCK names.
	found := false
	for _, r := range srv.Requests() {
		found = found || r == "/sgx/certification/v4/pckcrl?ca=platform&encoding=der"
	}
	if !found {
		t.Errorf("no PCK CRL of the platform CA fetched: %v", srv.Requests())
	}
	// At a time past its window, the vendor's answer does not check and
	// is not submitted.
	if col, err := fetchCollateral(ctx, f, ev, scope, nil, sampleAt.AddDate(0, 2, 0)); err == nil || col != nil {
		t.Fatalf("expired collateral: %v, %v", col, err)
	}
	// A vendor that does not answer is an error, not a panic or a submission.
	down := pcs.Fetcher{IntelURL: "http://127.0.0.1:1"}
	if col, err := fetchCollateral(ctx, down, ev, scope, nil, sampleAt); err == nil || col != nil {
		t.Fatalf("no vendor: %v, %v", col, err)
	}
}
