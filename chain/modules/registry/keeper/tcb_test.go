package keeper_test

import (
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

func tdxQuote(t *testing.T) []byte {
	t.Helper()
	q, err := os.ReadFile("../../../../tee/testdata/tdx-dcap-qvl-1.quote")
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// tdxRegistration is a registration of ek carrying the real TDX quote,
// whose report data binds something else: real verification refuses it
// at the report data, after every check collateral adds.
func (e *env) tdxRegistration(t *testing.T, ek enclaveKeys) registry.Registration {
	return registry.Registration{Evidence: verify.Evidence{Platform: verify.TDX, Quote: tdxQuote(t)},
		Identity: ek.id.Public(), EncryptionKey: ek.enc, Version: 1, AttestedAt: e.now.Unix()}
}

func TestRegistrationVerifiedAgainstStoredCollateral(t *testing.T) {
	e := newEnv(t)
	e.now = tdxCollateralAt
	ek := newEnclave(t, "w")
	p := e.reg.Params(e.state)
	p.RequireCollateral = true
	e.reg.SetParams(e.state, p)
	register := func() error {
		return e.run(e.operator, &registry.MsgRegisterWorker{Registration: e.tdxRegistration(t, ek)})
	}
	if err := register(); !errors.Is(err, registry.ErrNoCollateral) {
		t.Fatalf("without collateral: %v", err)
	}
	if err := e.run(key(t, "relayer"), submitMsg(t, tdxCollateral(t))); err != nil {
		t.Fatal(err)
	}
	// Verified against it (TCB, QE identity, CRLs), refused only at the
	// report data.
	if err := register(); !errors.Is(err, registry.ErrReportData) {
		t.Fatalf("with collateral: %v", err)
	}
	// Expired collateral refuses, with the tee code.
	e.now = e.now.AddDate(0, 2, 0)
	err := register()
	if !errors.Is(err, verify.ErrCollateralExpired) || !errors.Is(err, registry.ErrBadAttestation) {
		t.Fatalf("with expired collateral: %v", err)
	}
	if space, code, _ := module.ABCIInfo(err); space != verify.Codespace || code != 3 {
		t.Fatalf("expired collateral reported as %s/%d", space, code)
	}
}

// fakeTDX verifies any evidence as a TDX enclave of the allowlisted
// measurement whose TCB is *tcb (nil: not assessed), binding the report
// data the registration needs; err, if set, is returned instead.
type fakeTDX struct {
	rd     verify.ReportData
	tcb    *verify.TCB
	err    error
	calls  int
	colled int
	last   verify.Options
}

var tdxMeasurement = make([]byte, 240)

func (f *fakeTDX) verify(ev verify.Evidence, opts verify.Options) (verify.Verified, error) {
	if ev.Platform == verify.Sim {
		return verify.Verify(ev, opts)
	}
	f.calls++
	f.last = opts
	if opts.Collateral != nil {
		f.colled++
	}
	if f.err != nil {
		return verify.Verified{}, f.err
	}
	return verify.Verified{Platform: verify.TDX, Measurement: tdxMeasurement, ReportData: f.rd, NotAfter: opts.Now.AddDate(5, 0, 0), TCB: f.tcb}, nil
}

// tdxEnv is an env whose registry verifies TDX evidence with a fakeTDX
// and allowlists its measurement.
func tdxEnv(t *testing.T) (*env, *fakeTDX) {
	f := &fakeTDX{}
	e := newEnv(t, registrykeeper.WithVerifier(f.verify))
	p := e.reg.Params(e.state)
	p.Measurements = append(p.Measurements, registry.Measurement{Platform: verify.TDX, Value: tdxMeasurement})
	registry.SortMeasurements(p.Measurements)
	e.reg.SetParams(e.state, p)
	return e, f
}

func (e *env) registerTDX(t *testing.T, f *fakeTDX, ek enclaveKeys) error {
	f.rd = registry.ReportData(registry.RoleWorker, chainID, e.operator.Public().Address(), ek.id.Public(), ek.enc, 1, e.now.Unix())
	return e.run(e.operator, &registry.MsgRegisterWorker{Registration: e.tdxRegistration(t, ek)})
}

func TestRegistrationRecordsTheTCBAndJudgesOutOfDate(t *testing.T) {
	e, f := tdxEnv(t)
	e.now = tdxCollateralAt
	// The status is assessed against collateral the chain stores.
	if err := e.run(key(t, "relayer"), submitMsg(t, tdxCollateral(t))); err != nil {
		t.Fatal(err)
	}
	ek := newEnclave(t, "w")
	levelDate := e.now.AddDate(0, 0, -10).Truncate(time.Second)
	f.tcb = &verify.TCB{Status: verify.TCBOutOfDate, AdvisoryIDs: []string{"INTEL-SA-00837"}, Date: levelDate, FMSPC: "B0C06F000000"}
	before := dump(e.state)
	if err := e.registerTDX(t, f, ek); !errors.Is(err, registry.ErrTCBOutOfDate) {
		t.Fatalf("OutOfDate without grace: %v", err)
	}
	unchanged(t, e, before)

	p := e.reg.Params(e.state)
	p.OutOfDateGrace = 12 * 24 * 3600
	e.reg.SetParams(e.state, p)
	if err := e.registerTDX(t, f, ek); err != nil {
		t.Fatalf("OutOfDate within its grace: %v", err)
	}
	w, _ := e.reg.Worker(e.state, ek.id.Public())
	if w.Scope != tdxScope || w.TCBStatus != verify.TCBOutOfDate || !slices.Equal(w.Advisories, f.tcb.AdvisoryIDs) || w.TCBDate != levelDate.Unix() || w.Confidence != 5 {
		t.Fatalf("record %+v", w)
	}
	// Its registration lasts until the grace ends, not a week.
	if want := levelDate.Unix() + p.OutOfDateGrace; w.Expires != want {
		t.Fatalf("expires %d, want the grace's end %d", w.Expires, want)
	}
	if e.state.Get(registry.EvidenceKey(registry.RoleWorker, ek.id.Public())) == nil {
		t.Fatal("the evidence is not kept for a later judgement")
	}
	// At the grace's end it loses its standing, for its TCB.
	e.now = time.Unix(w.Expires, 0)
	ctx := module.NewContext(e.state, module.Block{ChainID: chainID, Height: 12, Time: e.now}, crypto.Address{}, nil, nil)
	if err := e.reg.EndBlock(ctx); err != nil {
		t.Fatal(err)
	}
	if w, _ := e.reg.Worker(e.state, ek.id.Public()); w.Lost != registry.ReasonTCB {
		t.Fatalf("after the grace: %+v", w)
	}
}

type recordingHook struct{ lost *[]registrykeeper.Lost }

func (h recordingHook) StandingLost(_ *module.Context, lost []registrykeeper.Lost) error {
	*h.lost = append(*h.lost, lost...)
	return nil
}

// Collateral stored after an enclave registered judges it again at the
// end of the block: revoked, it loses its standing; otherwise its record
// takes the new status.
func TestNewCollateralRevokesARegisteredEnclave(t *testing.T) {
	for _, c := range []struct {
		name       string
		err        error
		tcb        *verify.TCB
		wantLost   registry.Reason
		wantStatus string
		wantConf   uint8
	}{
		{"PCK revoked", verify.ErrCertificateRevoked.Wrap("tdx PCK certificate"), nil, registry.ReasonTCB, verify.TCBRevoked, 0},
		{"TCB revoked", verify.ErrTCBRevoked.Wrap("tdx platform"), nil, registry.ReasonTCB, verify.TCBRevoked, 0},
		{"new status", nil, &verify.TCB{Status: verify.TCBSWHardeningNeeded, AdvisoryIDs: []string{"INTEL-SA-00615"}}, registry.InStanding, verify.TCBSWHardeningNeeded, 2},
		// Registered before any collateral was stored: unassessed, and so
		// it stays.
		{"expired evidence changes nothing", verify.ErrExpired, nil, registry.InStanding, verify.TCBUpToDate, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, f := tdxEnv(t)
			e.now = tdxCollateralAt
			ek := newEnclave(t, "w")
			f.tcb = &verify.TCB{Status: verify.TCBUpToDate}
			if err := e.registerTDX(t, f, ek); err != nil {
				t.Fatal(err)
			}
			sim := newEnclave(t, "sim")
			if err := e.register(sim, e.now); err != nil {
				t.Fatal(err)
			}
			var lost []registrykeeper.Lost
			reg := e.reg.OnStandingLost(recordingHook{&lost})

			e.height = 11
			f.err, f.tcb = c.err, c.tcb
			if err := e.run(key(t, "relayer"), submitMsg(t, tdxCollateral(t))); err != nil {
				t.Fatal(err)
			}
			f.calls, f.colled = 0, 0
			ctx := module.NewContext(e.state, module.Block{ChainID: chainID, Height: 11, Time: e.now}, crypto.Address{}, nil, nil)
			if err := reg.EndBlock(ctx); err != nil {
				t.Fatal(err)
			}
			if f.calls != 1 || f.colled != 1 {
				t.Fatalf("%d verifications (%d with collateral), want the TDX record's one", f.calls, f.colled)
			}
			w, _ := e.reg.Worker(e.state, ek.id.Public())
			if w.Lost != c.wantLost || w.TCBStatus != c.wantStatus || w.Confidence != c.wantConf {
				t.Fatalf("record %+v", w)
			}
			if c.wantLost != registry.InStanding {
				if len(lost) != 1 || lost[0].Enclave.Identity != ek.id.Public() || lost[0].Reason != registry.ReasonTCB {
					t.Fatalf("hooks told %+v", lost)
				}
				if w.LostHeight != 11 {
					t.Fatalf("lost at %d", w.LostHeight)
				}
			} else if len(lost) != 0 {
				t.Fatalf("hooks told %+v", lost)
			}
			if s, _ := e.reg.Worker(e.state, sim.id.Public()); !s.InStanding() {
				t.Fatalf("the sim worker, of no scope, lost its standing: %+v", s)
			}
			if e.state.Get(registry.CollateralRescanKey(tdxScope)) != nil {
				t.Fatal("the scope is still marked")
			}
			// Judged once.
			f.calls = 0
			if err := reg.EndBlock(ctx); err != nil || f.calls != 0 {
				t.Fatalf("a second end of block: %v, %d verifications", err, f.calls)
			}
		})
	}
}

func TestStandingForTheTCB(t *testing.T) {
	m := []byte{1}
	base := registry.Params{RegistrationTTL: 1000, OutOfDateGrace: 100,
		Measurements: []registry.Measurement{{Platform: verify.SEVSNP, Value: m}, {Platform: verify.TDX, Value: m}}}
	tdx := registry.Enclave{Platform: verify.TDX, Measurement: m, AttestedAt: 1000, Scope: tdxScope, TCBStatus: verify.TCBUpToDate, TCBDate: 900}
	snp := registry.Enclave{Platform: verify.SEVSNP, Measurement: m, AttestedAt: 1000, Scope: "sevsnp/Milan", ReportedTCB: 0x0300000000000003}
	withMin := base
	withMin.SNPMinimumTCB = []registry.SNPMinimum{{ProductLine: "Milan", TCB: 0x0300000000000004}}
	for _, c := range []struct {
		name string
		p    registry.Params
		e    registry.Enclave
		now  int64
		want registry.Reason
	}{
		{"up to date", base, tdx, 1500, registry.InStanding},
		{"revoked", base, with(tdx, func(e *registry.Enclave) { e.TCBStatus = verify.TCBRevoked }), 1500, registry.ReasonTCB},
		{"out of date within its grace", base, with(tdx, func(e *registry.Enclave) { e.TCBStatus = verify.TCBOutOfDate }), 999, registry.InStanding},
		{"out of date after its grace", base, with(tdx, func(e *registry.Enclave) { e.TCBStatus = verify.TCBOutOfDate }), 1000, registry.ReasonTCB},
		{"snp without a minimum", base, snp, 1500, registry.InStanding},
		{"snp below a raised minimum", withMin, snp, 1500, registry.ReasonTCB},
		{"snp at the minimum", withMin, with(snp, func(e *registry.Enclave) { e.ReportedTCB = 0x0300000000000004 }), 1500, registry.InStanding},
		{"snp of a line without a minimum", withMin, with(snp, func(e *registry.Enclave) { e.Scope = "sevsnp/Genoa" }), 1500, registry.ReasonTCB},
	} {
		if got := registry.Standing(c.p, registry.RoleWorker, c.e, c.now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func with(e registry.Enclave, f func(*registry.Enclave)) registry.Enclave {
	f(&e)
	return e
}

// Parameters and records written before the TCB fields keep their
// bytes.
func TestTCBFieldsLeaveOldBytes(t *testing.T) {
	p := registry.DefaultParams()
	var m map[int]any
	if err := codec.Unmarshal(codec.MustMarshal(p), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{8, 9, 10} {
		if _, ok := m[k]; ok {
			t.Errorf("default params encode field %d", k)
		}
	}
	bad := p
	bad.Council = key(t, "c").Public().Address()
	bad.SNPMinimumTCB = []registry.SNPMinimum{{ProductLine: "Milan"}, {ProductLine: "Genoa"}}
	if !errors.Is(bad.Validate(), registry.ErrBadParams) {
		t.Error("unsorted snp_minimum_tcb validates")
	}
	bad.SNPMinimumTCB = []registry.SNPMinimum{{ProductLine: "Naples"}}
	if !errors.Is(bad.Validate(), registry.ErrBadParams) {
		t.Error("an unsupported product line validates")
	}
}

// A registration that collateral or policy refuses keeps the tee code
// on the wire, and changes nothing.
func TestRegistrationRefusalsKeepTheirTEECodes(t *testing.T) {
	e, f := tdxEnv(t)
	p := e.reg.Params(e.state)
	p.SNPMinimumTCB = []registry.SNPMinimum{{ProductLine: "Milan", TCB: 0x0300000000000004}}
	e.reg.SetParams(e.state, p)
	ek := newEnclave(t, "w")
	for _, c := range []struct {
		err  error
		code uint32
	}{
		{verify.ErrCertificateRevoked.Wrap("tdx PCK certificate"), 5},
		{verify.ErrTCBRevoked.Wrap("tdx platform"), 6},
		{verify.ErrTCBBelowMinimum.Wrap("below every level"), 7},
	} {
		f.err = c.err
		before := dump(e.state)
		err := e.registerTDX(t, f, ek)
		if !errors.Is(err, c.err) || !errors.Is(err, registry.ErrBadAttestation) {
			t.Fatalf("%v: got %v", c.err, err)
		}
		if space, code, _ := module.ABCIInfo(err); space != verify.Codespace || code != c.code {
			t.Fatalf("%v: reported as %s/%d", c.err, space, code)
		}
		unchanged(t, e, before)
	}
	// The parameters' SEV-SNP policy is the verifier's.
	if pol := f.last.SNP; pol == nil || pol.MinimumTCB["Milan"] != 0x0300000000000004 {
		t.Fatalf("verified with SEV-SNP policy %+v", pol)
	}
}
