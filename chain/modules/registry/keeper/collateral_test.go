package keeper_test

import (
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Intel's collateral for the FMSPC of testdata's tdx-dcap-qvl-1 quote,
// and a time inside its window.
var (
	tdxCollateralAt = time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)
	tdxScope        = "tdx/fmspc/B0C06F000000"
)

func tdxCollateral(t *testing.T) *verify.TDXCollateral {
	t.Helper()
	raw, err := os.ReadFile("../../../../tee/verify/testdata/tdx-dcap-qvl-1.collateral.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := verify.ParseTDXCollateralJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func submitMsg(t *testing.T, c verify.Collateral) *registry.MsgSubmitCollateral {
	t.Helper()
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return &registry.MsgSubmitCollateral{Platform: c.Platform(), Collateral: b}
}

func TestSubmitCollateralKeepsTheNewestValidSet(t *testing.T) {
	e := newEnv(t)
	e.now = tdxCollateralAt
	c := tdxCollateral(t)
	anyone := key(t, "relayer")
	if err := e.run(anyone, submitMsg(t, c)); err != nil {
		t.Fatal(err)
	}
	got, ok := e.reg.Collateral(e.state, tdxScope)
	if !ok || got.Platform != verify.TDX || got.Scope != tdxScope || got.Issued != c.Issued().Unix() ||
		got.Submitter != anyone.Public().Address() || got.Height != e.height {
		t.Fatalf("stored %+v", got)
	}
	if want := time.Date(2025, 7, 19, 10, 0, 35, 0, time.UTC).Unix(); got.Expires != want {
		t.Fatalf("expires %d, want the PCK CRL's next update %d", got.Expires, want)
	}
	if _, err := got.Parse(); err != nil {
		t.Fatalf("the stored body does not parse: %v", err)
	}

	// The same set again is not newer.
	before := dump(e.state)
	err := e.run(anyone, submitMsg(t, c))
	if !errors.Is(err, registry.ErrCollateralNotNewer) {
		t.Fatalf("the same set again: %v", err)
	}
	unchanged(t, e, before)
	// A set issued after the stored one replaces it.
	older := got
	older.Issued -= 3600
	e.state.Set(registry.CollateralKey(tdxScope), codec.MustMarshal(older))
	e.height++
	if err := e.run(anyone, submitMsg(t, c)); err != nil {
		t.Fatalf("a newer set: %v", err)
	}
	if got, _ := e.reg.Collateral(e.state, tdxScope); got.Issued != c.Issued().Unix() || got.Height != e.height {
		t.Fatalf("not replaced: %+v", got)
	}
}

func TestSubmitCollateralRefusals(t *testing.T) {
	e := newEnv(t)
	c := tdxCollateral(t)
	forged := *c
	forged.TCBInfoSignature = append([]byte(nil), c.TCBInfoSignature...)
	forged.TCBInfoSignature[5] ^= 1
	canon := submitMsg(t, c)
	padded := &registry.MsgSubmitCollateral{Platform: verify.TDX, Collateral: append(append([]byte(nil), canon.Collateral...), 0)}
	for _, tc := range []struct {
		name     string
		msg      *registry.MsgSubmitCollateral
		at       time.Time
		want     error
		wantCode string
	}{
		{"expired", canon, tdxCollateralAt.AddDate(0, 3, 0), verify.ErrCollateralExpired, "tee/3"},
		{"forged signature", submitMsg(t, &forged), tdxCollateralAt, verify.ErrCollateralSignature, "tee/2"},
		{"not canonical", padded, tdxCollateralAt, verify.ErrInvalidCollateral, "tee/1"},
		{"another platform's", &registry.MsgSubmitCollateral{Platform: verify.SEVSNP, Collateral: canon.Collateral}, tdxCollateralAt, verify.ErrInvalidCollateral, "tee/1"},
		{"sim has none", &registry.MsgSubmitCollateral{Platform: verify.Sim, Collateral: []byte{1}}, tdxCollateralAt, registry.ErrBadMsg, "registry/11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.now = tc.at
			before := dump(e.state)
			err := e.run(key(t, "relayer"), tc.msg)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			space, code, _ := module.ABCIInfo(err)
			if got := space + "/" + strconv.FormatUint(uint64(code), 10); got != tc.wantCode {
				t.Fatalf("code %s, want %s", got, tc.wantCode)
			}
			unchanged(t, e, before)
		})
	}
}
