package keeper

import (
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

type memReader map[string][]byte

func (m memReader) Get(k []byte) []byte                              { return m[string(k)] }
func (m memReader) Iterate(prefix []byte, fn func(k, v []byte) bool) {}

func TestNonces(t *testing.T) {
	var k Keeper
	c := store.NewCache(memReader{})
	a := crypto.ModuleAddress("someone")
	if err := k.CheckNonce(c, a, 0); err != nil {
		t.Fatal(err)
	}
	k.IncrementNonce(c, a)
	k.IncrementNonce(c, a)
	if err := k.CheckNonce(c, a, 1); !errors.Is(err, tx.ErrStaleNonce) {
		t.Fatalf("old nonce: %v", err)
	}
	if err := k.CheckNonce(c, a, 3); !errors.Is(err, tx.ErrFutureNonce) {
		t.Fatalf("future nonce: %v", err)
	}
	if err := k.CheckNonce(c, a, 2); err != nil {
		t.Fatal(err)
	}
}

func TestParamsRoundTrip(t *testing.T) {
	var k Keeper
	c := store.NewCache(memReader{})
	if err := k.InitGenesis(module.NewContext(c, module.Block{}, crypto.Address{}, nil, nil), auth.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	if got := k.Params(c); got != auth.DefaultParams() {
		t.Fatalf("params %+v", got)
	}
}
