package auth

import (
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/tx"
)

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
