package client

import (
	"context"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/query"
)

// Collaterals lists the vendor collateral the chain stores, one set per
// scope.
func (c *Client) Collaterals(ctx context.Context) ([]registry.Collateral, error) {
	return list(ctx, c, query.Collaterals, registry.DecodeCollateral)
}

// Collateral returns the collateral stored for a scope
// ("tdx/fmspc/<FMSPC>", "sevsnp/<product line>"), optionally checking
// the answer's Merkle proof.
func (c *Client) Collateral(ctx context.Context, scope string, prove bool) (registry.Collateral, error) {
	q, err := c.Get(ctx, query.Collateral, []byte(scope), 0, prove)
	if err != nil {
		return registry.Collateral{}, err
	}
	if q.Value == nil {
		return registry.Collateral{}, fmt.Errorf("no collateral stored for %s", scope)
	}
	return registry.DecodeCollateral(q.Value)
}
