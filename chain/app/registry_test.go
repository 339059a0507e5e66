package app

import (
	"context"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee"
)

// The last block's time is in the state, so mempool checks after a
// restart run at the same time as before it (attestations need one).
func TestBlockTimeSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	h.block()
	want := time.Unix(1e9+h.height-1, 0).UTC()
	if !h.app.blockTime.Equal(want) {
		t.Fatalf("block time %s, want %s", h.app.blockTime, want)
	}
	h.app.Close()
	h.open()
	if !h.app.blockTime.Equal(want) {
		t.Fatalf("after restart: block time %s, want %s", h.app.blockTime, want)
	}
}

// A registration reaches the registry through the transaction path, and
// this chain's genesis (like a public network's) refuses sim enclaves.
func TestSimRegistrationRefusedByDefaultGenesis(t *testing.T) {
	h := newHarness(t)
	p, err := tee.Open(tee.Sim, tee.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	id := testKey("enclave")
	enc, err := crypto.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	at := h.app.blockTime.Unix()
	rd := registry.ReportData(registry.RoleWorker, testChain, alice.Public().Address(), id.Public(), enc.PublicKey().Bytes(), 1, at)
	ev, err := p.Attest(context.Background(), rd)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tx.NewMsg(&registry.MsgRegisterWorker{Registration: registry.Registration{
		Evidence: ev, Identity: id.Public(), EncryptionKey: enc.PublicKey().Bytes(), Version: 1, AttestedAt: at}})
	if err != nil {
		t.Fatal(err)
	}
	body := tx.Body{ChainID: testChain, Nonce: 0, Fee: tx.Fee{GasLimit: 3_000_000, GasPrice: auth.DefaultParams().MinGasPrice}, Msgs: []tx.Msg{m}}
	signed, err := tx.Sign(body, alice)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := signed.Encode()
	if err != nil {
		t.Fatal(err)
	}
	res := h.check(raw)
	wantCode(t, "sim registration", registry.ErrSimNotAllowed.Codespace, registry.ErrSimNotAllowed.Code, res.Codespace, res.Code, res.Log)
}
