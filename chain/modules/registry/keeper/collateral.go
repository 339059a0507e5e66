package keeper

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
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
	ctx.Emit(registry.EventCollateral,
		module.Attr{Key: registry.AttrScope, Value: module.Text(scope), Index: true},
		module.Attr{Key: registry.AttrPlatform, Value: module.Text(m.Platform)},
		module.Attr{Key: registry.AttrIssued, Value: module.Text(strconv.FormatInt(issued, 10))},
		module.Attr{Key: registry.AttrExpires, Value: module.Text(strconv.FormatInt(stored.Expires, 10))},
	)
	return nil
}
