package auth

import (
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/module"
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

func TestFeeRules(t *testing.T) {
	p := DefaultParams()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	ok := tx.Fee{GasLimit: 100_000, GasPrice: p.MinGasPrice}
	if err := p.CheckFee(ok, 200); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		fee  tx.Fee
		want error
	}{
		"cheap":     {tx.Fee{GasLimit: 100_000, GasPrice: p.MinGasPrice - 1}, tx.ErrGasPriceTooLow},
		"greedy":    {tx.Fee{GasLimit: p.MaxTxGas + 1, GasPrice: p.MinGasPrice}, tx.ErrGasLimit},
		"too small": {tx.Fee{GasLimit: p.IntrinsicGas(200) - 1, GasPrice: p.MinGasPrice}, tx.ErrGasLimit},
	} {
		if err := p.CheckFee(c.fee, 200); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	bad := p
	bad.MinGasPrice = 0
	if bad.Validate() == nil {
		t.Error("a zero minimum gas price validated")
	}
}

func TestParamsRoundTrip(t *testing.T) {
	var k Keeper
	c := store.NewCache(memReader{})
	if err := k.InitGenesis(module.NewContext(c, module.Block{}, crypto.Address{}, nil, nil), DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	if got := k.Params(c); got != DefaultParams() {
		t.Fatalf("params %+v", got)
	}
}
