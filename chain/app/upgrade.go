package app

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Migration is what a release does to the state at the height of an
// upgrade it implements, before that block's transactions: nothing, for
// an upgrade that only changes the code.
type Migration func(ctx *module.Context) error

// migrations are the upgrades this release implements, by name. A
// release that changes the state's layout adds its migration here.
var migrations = map[string]Migration{}

// buildUpgrades names, comma-separated, upgrades this build implements
// that change no state: set at link time (go build -ldflags "-X
// github.com/phalanx-net/phalanx/chain/app.buildUpgrades=v2"), for a
// release whose only change is its code.
var buildUpgrades string

// KnownUpgrades returns the upgrades this binary implements: migrations
// and buildUpgrades.
func KnownUpgrades() map[string]Migration {
	out := make(map[string]Migration, len(migrations))
	for n, m := range migrations {
		out[n] = m
	}
	for _, n := range strings.Split(buildUpgrades, ",") {
		if n = strings.TrimSpace(n); n != "" && out[n] == nil {
			out[n] = func(*module.Context) error { return nil }
		}
	}
	return out
}

// upgradeAt handles the upgrade planned for this height, if any: a known
// one is applied to the block's state (its migration, then the plan is
// marked done); an unknown one is ErrUpgradeNeeded, and the block is not
// executed.
func (a *App) upgradeAt(blockState *store.Cache, block module.Block) error {
	v := blockState.Get(gov.UpgradeKey())
	if v == nil {
		return nil
	}
	u, err := gov.DecodeUpgrade(v)
	if err != nil {
		return &store.IOError{Err: fmt.Errorf("planned upgrade: %w", err)}
	}
	if u.Height != block.Height {
		return nil
	}
	mig, ok := a.upgrades[u.Name]
	if !ok {
		known := make([]string, 0, len(a.upgrades))
		for n := range a.upgrades {
			known = append(known, n)
		}
		slices.Sort(known)
		info := ""
		if u.Info != "" {
			info = " (" + u.Info + ")"
		}
		return ErrUpgradeNeeded.Wrap("UPGRADE %q NEEDED at height %d%s: governance decided that every node switches binaries here. "+
			"Stop this node and start the release that implements %q on the same home; it resumes from this block. This binary implements: %s",
			u.Name, u.Height, info, u.Name, orNone(known))
	}
	ctx := module.NewContext(blockState, block, [20]byte{}, nil, a.log)
	if err := mig(ctx); err != nil {
		return fmt.Errorf("upgrade %q: %w", u.Name, err)
	}
	blockState.Delete(gov.UpgradeKey())
	blockState.Set(gov.UpgradeDoneKey(u.Name), binary.BigEndian.AppendUint64(nil, uint64(block.Height)))
	a.log.Info("upgrade applied", "name", u.Name, "height", block.Height)
	return nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
