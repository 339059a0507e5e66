package app

import (
	"strings"
	"testing"

	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
)

// Locked tokens pay no fee and leave in no transfer, in CheckTx and in a
// block: the private sale's account, all locked, cannot send at all; the
// developers' spends its liquid share and no more.
func TestVestingLocksFeesAndTransfers(t *testing.T) {
	h := newHarness(t)
	sale, dev := testKey("sale"), testKey("dev")
	if res := h.check(sendTx(t, sale, 0, alice.Public().Address(), pha.Tokens(1))); res.Code == 0 || !strings.Contains(res.Log, "what its vesting does not lock") {
		t.Fatalf("a fee from locked tokens: code %d %s", res.Code, res.Log)
	}
	res := h.block(sendTx(t, sale, 0, alice.Public().Address(), pha.Tokens(1)))
	if res[0].Code == 0 {
		t.Fatal("a block took a fee from locked tokens")
	}
	if got := h.balance(sale); got.Cmp(pha.Tokens(bank.PrivateSalePHA)) != 0 {
		t.Fatalf("the private sale's balance changed: %s", got)
	}
	res = h.block(sendTx(t, dev, 0, alice.Public().Address(), pha.Tokens(bank.DevelopersLiquidPHA)))
	if res[0].Code == 0 || !strings.Contains(res[0].Log, "locked by vesting") {
		t.Fatalf("the developers' liquid share and its fee: code %d %s", res[0].Code, res[0].Log)
	}
	res = h.block(sendTx(t, dev, 1, alice.Public().Address(), pha.Tokens(1000)))
	if res[0].Code != 0 {
		t.Fatalf("a send within the developers' liquid share: %s", res[0].Log)
	}
}
