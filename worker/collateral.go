package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee/pcs"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// CollateralGas is the gas limit of registry/submit-collateral: the
// registry's default verify_gas and room for the storage.
const CollateralGas = 3_000_000

// keepCollateral makes sure, before the host sends evidence to the chain,
// that the chain stores current collateral for the evidence's scope:
// when it stores none, or its set expires within
// registry.CollateralRenewal, the host fetches the scope's collateral from
// the vendor (Config.Collateral) and submits it. Nothing here is fatal:
// a failure is logged and the evidence goes to the chain, which decides.
func (h *Host) keepCollateral(ctx context.Context, ev verify.Evidence, now time.Time) {
	if h.cfg.Collateral == nil {
		return
	}
	scope, err := verify.EvidenceScope(ev)
	if err != nil || scope == "" {
		return
	}
	var stored *registry.Collateral
	raw, err := h.readState(ctx, registry.CollateralKey(scope))
	if err != nil {
		h.log.Warn("cannot read the chain's collateral", "scope", scope, "err", err)
		return
	}
	if raw != nil {
		c, err := registry.DecodeCollateral(raw)
		if err != nil {
			h.log.Warn("cannot read the chain's collateral", "scope", scope, "err", err)
			return
		}
		stored = &c
	}
	col, err := fetchCollateral(ctx, *h.cfg.Collateral, ev, scope, stored, now)
	if err != nil {
		h.log.Warn("cannot renew the chain's collateral", "scope", scope, "err", err)
		return
	}
	if col == nil {
		return
	}
	body, err := col.Marshal()
	if err != nil {
		h.log.Warn("cannot renew the chain's collateral", "scope", scope, "err", err)
		return
	}
	h.log.Info("submitting the vendor's collateral", "scope", scope, "issued", col.Issued().UTC(), "expires", verify.CollateralExpires(col).UTC())
	if _, err := h.submit(ctx, []module.Msg{&registry.MsgSubmitCollateral{Platform: col.Platform(), Collateral: body}}, client.TxOptions{GasLimit: CollateralGas}); err != nil {
		if errors.Is(err, registry.ErrCollateralNotNewer) {
			return // another submitter was first
		}
		h.log.Warn("the chain did not take the collateral", "scope", scope, "err", err)
	}
}

// fetchCollateral fetches the collateral of scope (that of ev) from f
// when the chain needs it: when stored is nil, or expires within
// registry.CollateralRenewal of now. It returns nil when the stored set is
// current, or when the vendor has nothing newer than it. What it returns
// checks at now.
func fetchCollateral(ctx context.Context, f pcs.Fetcher, ev verify.Evidence, scope string, stored *registry.Collateral, now time.Time) (verify.Collateral, error) {
	if stored != nil && stored.Health(now) == registry.CollateralCurrent {
		return nil, nil
	}
	var col verify.Collateral
	switch platform, rest, _ := strings.Cut(scope, "/"); platform {
	case verify.TDX:
		pck, err := verify.TDXPCKCertificate(ev.Quote)
		if err != nil {
			return nil, err
		}
		ca, err := pcs.CAOf(pck)
		if err != nil {
			return nil, err
		}
		c, err := f.TDX(ctx, strings.TrimPrefix(rest, "fmspc/"), ca)
		if err != nil {
			return nil, err
		}
		col = c
	case verify.SEVSNP:
		c, err := f.SNP(ctx, rest)
		if err != nil {
			return nil, err
		}
		col = c
	default:
		return nil, fmt.Errorf("scope %q: no vendor to fetch its collateral from", scope)
	}
	if col.Scope() != scope {
		return nil, fmt.Errorf("the vendor answered with collateral of %s, not %s", col.Scope(), scope)
	}
	if stored != nil && !col.Issued().After(time.Unix(stored.Issued, 0)) {
		return nil, nil
	}
	if err := col.Check(now); err != nil {
		return nil, fmt.Errorf("the vendor's collateral of %s does not check: %w", scope, err)
	}
	return col, nil
}

// readState reads a state value: proven once the host follows the chain,
// else as the node gives it (before the enclave is open, while the
// sealing root is asked for). What keepCollateral reads only decides
// whether to fetch; the vendor's signatures vouch for what it submits.
func (h *Host) readState(ctx context.Context, key []byte) ([]byte, error) {
	if h.follower != nil {
		return h.prove(ctx, key)
	}
	return h.queryUnproven(ctx, key)
}

// queryUnproven reads a state value as the node gives it, without a
// proof.
func (h *Host) queryUnproven(ctx context.Context, key []byte) ([]byte, error) {
	res, err := h.rpc.ABCIQuery(ctx, query.Store, key)
	if err != nil {
		return nil, err
	}
	if res.Response.Code != 0 {
		return nil, fmt.Errorf("query %q: code %d: %s", key, res.Response.Code, res.Response.Log)
	}
	return res.Response.Value, nil
}
