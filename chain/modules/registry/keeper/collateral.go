package keeper

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Collateral returns the collateral stored for a scope.
func (Records) Collateral(r store.Reader, scope string) (registry.Collateral, bool) {
	v := r.Get(registry.CollateralKey(scope))
	if v == nil {
		return registry.Collateral{}, false
	}
	var c registry.Collateral
	store.MustDecode(v, &c)
	return c, true
}

// Evidence returns the evidence an enclave last registered or refreshed
// with; records written before it was kept have none.
func (Records) Evidence(r store.Reader, role registry.Role, id crypto.PublicKey) (verify.Evidence, bool) {
	v := r.Get(registry.EvidenceKey(role, id))
	if v == nil {
		return verify.Evidence{}, false
	}
	var ev verify.Evidence
	store.MustDecode(v, &ev)
	return ev, true
}

// Collaterals calls fn for every stored collateral set, in scope order,
// until it returns false.
func (Records) Collaterals(r store.Reader, fn func(registry.Collateral) bool) {
	r.Iterate(registry.CollateralPrefix(), func(_, v []byte) bool {
		var c registry.Collateral
		store.MustDecode(v, &c)
		return fn(c)
	})
}

// handleSubmitCollateral checks submitted collateral at the block time
// and keeps it if it is newer than the set stored for its scope. Its
// refusals of the collateral itself carry the tee codes
// (verify.ErrCollateralSignature, ErrCollateralExpired, ...), so the
// submitter learns what is wrong with what it relayed.
func (k Keeper) handleSubmitCollateral(ctx *module.Context, m *registry.MsgSubmitCollateral) error {
	kv := ctx.Store()
	p := k.Params(kv)
	// Checking the signatures costs about what a quote's check costs.
	if err := ctx.ConsumeGas(p.VerifyGas, "collateral"); err != nil {
		return err
	}
	c, err := verify.ParseCollateral(m.Platform, m.Collateral)
	if err != nil {
		return fmt.Errorf("submit-collateral: %w", err)
	}
	// One encoding per collateral: what is stored is what was signed.
	canon, err := c.Marshal()
	if err != nil || !bytes.Equal(canon, m.Collateral) {
		return fmt.Errorf("submit-collateral: %w: not in its canonical encoding", verify.ErrInvalidCollateral)
	}
	if err := c.Check(ctx.Block.Time); err != nil {
		return fmt.Errorf("submit-collateral: %w", err)
	}
	scope, issued := c.Scope(), c.Issued().Unix()
	if prev, ok := k.Collateral(kv, scope); ok && issued <= prev.Issued {
		return registry.ErrCollateralNotNewer.Wrap("%s issued at %d, the stored set at %d", scope, issued, prev.Issued)
	}
	stored := registry.Collateral{
		Platform: m.Platform, Scope: scope, Issued: issued, Expires: verify.CollateralExpires(c).Unix(),
		Body: canon, Height: ctx.Block.Height, Submitter: ctx.Sender,
	}
	kv.Set(registry.CollateralKey(scope), codec.MustMarshal(stored))
	// The end of the block judges the records of the scope against it:
	// a CRL may revoke a registered enclave's PCK, a TCB info its level.
	kv.Set(registry.CollateralRescanKey(scope), present)
	ctx.Emit(registry.EventCollateral,
		module.Attr{Key: registry.AttrScope, Value: module.Text(scope), Index: true},
		module.Attr{Key: registry.AttrPlatform, Value: module.Text(m.Platform)},
		module.Attr{Key: registry.AttrIssued, Value: module.Text(strconv.FormatInt(issued, 10))},
		module.Attr{Key: registry.AttrExpires, Value: module.Text(strconv.FormatInt(stored.Expires, 10))},
	)
	return nil
}

// verifyEvidence verifies a registration's evidence at the block time
// against the collateral stored for its scope, and judges the TCB status
// it establishes. It returns the scope ("" for sim). A refusal that
// collateral or policy adds carries its tee code (verify.ErrTCBRevoked,
// ErrCertificateRevoked, ErrTCBBelowMinimum, ErrCollateralExpired, ...)
// and matches ErrBadAttestation too; others are ErrBadAttestation.
func (k Keeper) verifyEvidence(kv store.Reader, p registry.Params, ev verify.Evidence, now time.Time) (verify.Verified, string, error) {
	scope, err := verify.EvidenceScope(ev)
	if err != nil {
		return verify.Verified{}, "", badAttestation(err)
	}
	opts := verify.Options{Now: now, AllowSim: p.AllowSim, SNP: p.SNPPolicy()}
	if scope != "" {
		stored, ok := k.Collateral(kv, scope)
		switch {
		case ok:
			if opts.Collateral, err = stored.Parse(); err != nil {
				return verify.Verified{}, "", fmt.Errorf("stored collateral of %s: %w", scope, err)
			}
		case p.RequireCollateral:
			return verify.Verified{}, "", registry.ErrNoCollateral.Wrap("%s: submit the vendor's collateral for it first (registry/submit-collateral)", scope)
		}
	}
	v, err := k.verifier()(ev, opts)
	if err != nil {
		if errors.Is(err, verify.ErrSimNotAllowed) {
			return verify.Verified{}, "", registry.ErrSimNotAllowed.Wrap("%v", err)
		}
		return verify.Verified{}, "", badAttestation(err)
	}
	if v.TCB != nil && registry.OutOfDate(v.TCB.Status) {
		if end := v.TCB.Date.Unix() + p.OutOfDateGrace; now.Unix() >= end {
			return verify.Verified{}, "", registry.ErrTCBOutOfDate.Wrap("%s since its level of %s; outofdate_grace %d s ended at %d",
				v.TCB.Status, v.TCB.Date.UTC().Format(time.DateOnly), p.OutOfDateGrace, end)
		}
	}
	return v, scope, nil
}

// badAttestation wraps a verification failure as ErrBadAttestation,
// keeping a coded tee error first so that its code reaches the client.
func badAttestation(err error) error {
	var coded *module.Error
	if errors.As(err, &coded) {
		return fmt.Errorf("%w: %w", err, registry.ErrBadAttestation)
	}
	return registry.ErrBadAttestation.Wrap("%v", err)
}

// verifier is the function evidence is verified with: verify.Verify, or
// a test's stand-in for what real data cannot show (a revoked PCK).
func (k Keeper) verifier() func(verify.Evidence, verify.Options) (verify.Verified, error) {
	if k.verifyWith != nil {
		return k.verifyWith
	}
	return verify.Verify
}

// recordTCB writes what verification established of the enclave's TCB on
// its record; rated says whether it was verified against the collateral
// the chain stores for its scope.
func recordTCB(e *registry.Enclave, scope string, v verify.Verified, rated bool) {
	e.Scope, e.TCBStatus, e.Advisories, e.TCBDate, e.ReportedTCB, e.Confidence = scope, "", nil, 0, 0, 0
	if v.TCB == nil {
		return
	}
	e.TCBStatus, e.Confidence = v.TCB.Status, registry.ConfidenceLevel(v.TCB, rated)
	if len(v.TCB.AdvisoryIDs) > 0 {
		e.Advisories = slices.Clone(v.TCB.AdvisoryIDs)
	}
	if !v.TCB.Date.IsZero() {
		e.TCBDate = v.TCB.Date.Unix()
	}
	e.ReportedTCB = v.TCB.ReportedTCB
}

// rescanCollateral judges again, against the collateral stored in this
// block, the evidence of every record in standing of each scope it was
// stored for. A record whose PCK or VCEK the collateral revokes, or whose
// TCB it rates Revoked or below every level, is marked Revoked and loses
// its standing; the others take the status, advisories and level date it
// gives. A failure of another kind (an evidence certificate expired)
// changes nothing: the record's expiry covers it.
//
// The verification is a full one, a millisecond or two a record, done
// once per stored set (a vendor issues one a day to a month per scope):
// keeping only what revocation and the TCB level need of each record
// would duplicate the verifier's parsing here.
func (k Keeper) rescanCollateral(kv store.KV, p registry.Params, now time.Time) []Lost {
	var scopes []string
	kv.Iterate(registry.CollateralRescanPrefix(), func(key, _ []byte) bool {
		scopes = append(scopes, string(key[len(registry.CollateralRescanPrefix()):]))
		return true
	})
	if len(scopes) == 0 {
		return nil
	}
	cols := map[string]verify.Collateral{}
	for _, scope := range scopes {
		kv.Delete(registry.CollateralRescanKey(scope))
		if stored, ok := k.Collateral(kv, scope); ok {
			if c, err := stored.Parse(); err == nil {
				cols[scope] = c
			}
		}
	}
	var records []Lost
	collect := func(role registry.Role) func(registry.Enclave) bool {
		return func(e registry.Enclave) bool {
			if _, ok := cols[e.Scope]; ok && e.InStanding() {
				records = append(records, Lost{Role: role, Enclave: e})
			}
			return true
		}
	}
	k.Workers(kv, collect(registry.RoleWorker))
	k.Gatekeepers(kv, collect(registry.RoleGatekeeper))

	var lost []Lost
	for _, r := range records {
		e := r.Enclave
		raw := kv.Get(registry.EvidenceKey(r.Role, e.Identity))
		if raw == nil {
			continue
		}
		var ev verify.Evidence
		if codec.Unmarshal(raw, &ev) != nil {
			continue
		}
		v, err := k.verifier()(ev, verify.Options{Now: now, Collateral: cols[e.Scope], SNP: p.SNPPolicy()})
		switch {
		case errors.Is(err, verify.ErrCertificateRevoked), errors.Is(err, verify.ErrTCBRevoked), errors.Is(err, verify.ErrTCBBelowMinimum):
			e.TCBStatus, e.Confidence = verify.TCBRevoked, 0
		case err != nil:
			continue
		default:
			recordTCB(&e, e.Scope, v, true)
		}
		if exp := registry.Expiry(p, e); exp != e.Expires {
			if e.Expires != 0 {
				kv.Delete(registry.ExpiryKey(e.Expires, r.Role, e.Identity))
			}
			e.Expires = exp
			kv.Set(registry.ExpiryKey(e.Expires, r.Role, e.Identity), present)
		}
		kv.Set(registry.RecordKey(r.Role, e.Identity), codec.MustMarshal(e))
		if reason := registry.Standing(p, r.Role, e, now.Unix()); reason != registry.InStanding {
			lost = append(lost, Lost{Role: r.Role, Enclave: e, Reason: reason})
		}
	}
	return lost
}
