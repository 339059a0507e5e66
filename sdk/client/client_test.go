package client

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cometbft/cometbft/mempool"

	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/tx"
)

func TestRefusalOf(t *testing.T) {
	inv := mempool.ErrInvalidTx{Code: 1, Log: "message 0 (bank/send): insufficient funds: it's short", Codespace: "bank", Hash: []byte{1, 2}}
	// Over HTTP the error arrives as text inside CometBFT's RPC error.
	remote := fmt.Errorf("error in json rpc client: RPC error -32603 - Internal error: broadcast error on transaction validation: %s", inv.Error())
	for name, err := range map[string]error{"local": fmt.Errorf("broadcast: %w", inv), "http": remote} {
		te := refusalOf(err)
		if te == nil {
			t.Fatalf("%s: not recognized", name)
		}
		if !errors.Is(te, bank.ErrInsufficientFunds) || errors.Is(te, tx.ErrStaleNonce) {
			t.Fatalf("%s: %v does not match its registered error", name, te)
		}
		if te.Log != inv.Log {
			t.Fatalf("%s: log %q", name, te.Log)
		}
	}
	if refusalOf(errors.New("connection refused")) != nil {
		t.Fatal("a connection error taken for a refusal")
	}
}
