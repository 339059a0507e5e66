package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
)

// msgPlan stores an upgrade plan as a passed proposal does (the gov
// keeper's tests cover the vote).
type msgPlan struct {
	Name   string `cbor:"1,keyasint"`
	Height int64  `cbor:"2,keyasint"`
}

func (*msgPlan) Type() string         { return "test/plan-upgrade" }
func (*msgPlan) ValidateBasic() error { return nil }

// A node stops at the height of an upgrade its binary does not know,
// before it executes that block, saying what to do; started again with
// a binary that knows it, it applies the upgrade's migration in that
// block and goes on.
func TestUpgradeHaltsUntilTheBinaryKnowsIt(t *testing.T) {
	upgraded := false
	marker := []byte("test/migrated")
	h := newHarnessWith(t, func(o *Options) {
		o.Upgrades = map[string]Migration{}
		if upgraded {
			o.Upgrades["v2"] = func(ctx *module.Context) error {
				ctx.Store().Set(marker, []byte{1})
				return nil
			}
		}
	})
	module.Register(h.app.router, func(ctx *module.Context, m *msgPlan) error {
		ctx.Store().Set(gov.UpgradeKey(), codec.MustMarshal(gov.Upgrade{Name: m.Name, Height: m.Height, Info: "phalanx v2"}))
		return nil
	})
	at := h.height + 3
	msg, _ := tx.NewMsg(&msgPlan{Name: "v2", Height: at})
	signed, _ := tx.Sign(tx.Body{ChainID: testChain, Fee: tx.Fee{GasLimit: 100_000, GasPrice: auth.DefaultParams().MinGasPrice}, Msgs: []tx.Msg{msg}}, alice)
	b, _ := signed.Encode()
	if res := h.block(b); res[0].Code != 0 {
		t.Fatalf("planning: %s", res[0].Log)
	}
	for h.height < at-1 {
		h.block()
	}
	select {
	case <-h.app.Halted():
		t.Fatal("halted before the upgrade's height")
	default:
	}
	hash := h.app.tree.Hash()
	_, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: at, Time: time.Unix(1e9+at, 0),
		Txs: [][]byte{sendTx(t, alice, 1, bob.Public().Address(), pha.Tokens(1))}})
	if !errors.Is(err, ErrUpgradeNeeded) || !strings.Contains(err.Error(), `UPGRADE "v2" NEEDED at height`) || !strings.Contains(err.Error(), "phalanx v2") {
		t.Fatalf("FinalizeBlock at the upgrade: %v", err)
	}
	select {
	case <-h.app.Halted():
	default:
		t.Fatal("Halted not closed")
	}
	if !errors.Is(h.app.HaltError(), ErrUpgradeNeeded) || string(h.app.tree.WorkingHash()) != string(hash) {
		t.Fatalf("after the halt: %v, the state changed", h.app.HaltError())
	}
	if r := h.check(sendTx(t, alice, 1, bob.Public().Address(), pha.Tokens(1))); r.Code != ErrHalted.Code {
		t.Fatalf("a halted node admitted a tx: %d %s", r.Code, r.Log)
	}

	// The operator switches binaries.
	h.app.Close()
	upgraded = true
	h.open()
	before := h.balance(bob)
	res, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: at, Time: time.Unix(1e9+at, 0),
		Txs: [][]byte{sendTx(t, alice, 1, bob.Public().Address(), pha.Tokens(1))}})
	if err != nil || res.TxResults[0].Code != 0 {
		t.Fatalf("the upgraded node at the upgrade: %v %+v", err, res)
	}
	if _, err := h.app.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	h.height++
	if h.app.tree.Get(marker) == nil || h.app.tree.Get(gov.UpgradeKey()) != nil || h.app.tree.Get(gov.UpgradeDoneKey("v2")) == nil {
		t.Fatal("the migration did not run, or the plan was not marked done")
	}
	if got, _ := h.balance(bob).Sub(before); got.Cmp(pha.Tokens(1)) != 0 {
		t.Fatalf("the block's transaction moved %s", got.PHA())
	}
	h.block() // and the chain goes on
}
