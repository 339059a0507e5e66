package keeper

import (
	"testing"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

type emptyState struct{}

func (emptyState) Get([]byte) []byte                      { return nil }
func (emptyState) Iterate([]byte, func(k, v []byte) bool) {}

func TestGenesisWritesNothing(t *testing.T) {
	kv := store.NewCache(emptyState{})
	k := NewKeeper(nil, registrykeeper.Records{})
	if err := k.InitGenesis(module.NewContext(kv, module.Block{}, crypto.Address{}, nil, nil), keys.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	kv.Changes(nil, func(key, _ []byte) { t.Errorf("genesis wrote %q", key) })
}
