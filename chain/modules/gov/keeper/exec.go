package keeper

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/internal/safetext"
)

// Treasury is the account a spend pays from: the computing module's
// treasury, which receives its share of rewards, slashes and vetoed
// deposits.
func Treasury() crypto.Address { return crypto.ModuleAddress(computing.Treasury) }

// carryOut does what c says to kv, at height: on submission into a
// cache that is thrown away (a check), when the proposal passes for
// real. Its errors are gov.ErrBadContent.
func (k *Keeper) carryOut(kv store.KV, height int64, c gov.Content) error {
	switch {
	case c.Params != nil:
		m, ok := k.params[c.Params.Module]
		if !ok {
			return gov.ErrBadContent.Wrap("no module %s has parameters governance changes (%s do)", safetext.Show(c.Params.Module), strings.Join(k.ParamModules(), ", "))
		}
		if err := m.ChangeParams(kv, c.Params.Changes); err != nil {
			return gov.ErrBadContent.Wrap("%s parameters: %v", c.Params.Module, err)
		}
	case c.Allowlist != nil:
		p := k.registry.Params(kv)
		list, err := changeAllowlist(p.Measurements, c.Allowlist)
		if err != nil {
			return err
		}
		p.Measurements = list
		if err := p.Validate(); err != nil {
			return gov.ErrBadContent.Wrap("allowlist: %v", err)
		}
		k.registry.UpdateParams(kv, p)
	case c.Spend != nil:
		if err := k.bank.Move(kv, Treasury(), c.Spend.To, c.Spend.Amount); err != nil {
			return gov.ErrBadContent.Wrap("treasury spend of %s: %v", c.Spend.Amount.PHA(), err)
		}
	case c.Upgrade != nil:
		u := *c.Upgrade
		if u.Height <= height {
			return gov.ErrBadContent.Wrap("upgrade %s at height %d: the chain is at %d", u.Name, u.Height, height)
		}
		if kv.Get(gov.UpgradeDoneKey(u.Name)) != nil {
			return gov.ErrBadContent.Wrap("upgrade %s was applied already", u.Name)
		}
		// A later upgrade replaces a planned one, as in the Cosmos SDK:
		// the network plans one switch of binaries at a time.
		set(kv, gov.UpgradeKey(), u)
	}
	return nil
}

// changeAllowlist returns list with c's measurements added and removed,
// sorted as the registry keeps it. Adding one listed, or removing one
// not listed, is an error: the proposal was written for another list.
func changeAllowlist(list []registry.Measurement, c *gov.AllowlistChange) ([]registry.Measurement, error) {
	out := slices.Clone(list)
	same := func(a, b registry.Measurement) bool { return a.Platform == b.Platform && bytes.Equal(a.Value, b.Value) }
	for _, r := range c.Remove {
		i := slices.IndexFunc(out, func(m registry.Measurement) bool { return same(m, r) })
		if i < 0 {
			return nil, gov.ErrBadContent.Wrap("allowlist: %s/%x is not listed", safetext.Show(r.Platform), []byte(r.Value))
		}
		out = slices.Delete(out, i, i+1)
	}
	for _, a := range c.Add {
		if slices.ContainsFunc(out, func(m registry.Measurement) bool { return same(m, a) }) {
			return nil, gov.ErrBadContent.Wrap("allowlist: %s/%x is listed already", safetext.Show(a.Platform), []byte(a.Value))
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b registry.Measurement) int {
		return cmp.Or(strings.Compare(a.Platform, b.Platform), bytes.Compare(a.Value, b.Value))
	})
	return out, nil
}
