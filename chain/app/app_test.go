package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/query"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

const testChain = "phalanx-test"

func testKey(name string) crypto.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	k, err := crypto.PrivateKeyFromSeed(seed[:])
	if err != nil {
		panic(err)
	}
	return k
}

var (
	alice = testKey("alice")
	bob   = testKey("bob")
	poor  = testKey("poor") // holds 1 unit
)

func testGenesis(t testing.TB) []byte {
	t.Helper()
	g, err := bank.SeedGenesis(bank.Allocation{
		PrivateSale: testKey("sale").Public().Address(),
		Developers:  testKey("dev").Public().Address(),
		Airdrop:     testKey("air").Public().Address(),
		Testers:     testKey("testers").Public().Address(),
	}, []bank.GenesisAccount{
		{Name: "alice", Address: alice.Public().Address(), Amount: pha.Tokens(1000)},
		{Name: "poor", Address: poor.Public().Address(), Amount: pha.Units(1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.VestSeed(time.Unix(1e9, 0)); err != nil { // the harness's genesis time
		t.Fatal(err)
	}
	st, err := NewAppState(auth.DefaultGenesis(), g, registry.DefaultGenesis(testKey("council").Public().Address()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := MarshalAppState(st)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

type harness struct {
	t      testing.TB
	dir    string
	app    *App
	height int64
	opts   func(*Options) // tunes the options the app is opened with
}

func newHarness(t testing.TB) *harness {
	return newHarnessWith(t, nil)
}

func newHarnessWith(t testing.TB, opts func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), opts: opts}
	h.open()
	if _, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, AppStateBytes: testGenesis(t), InitialHeight: 1, Time: time.Unix(1e9, 0)}); err != nil {
		t.Fatal(err)
	}
	h.block()
	return h
}

func (h *harness) open() {
	o := Options{Dir: h.dir, SigCache: tx.NewSigCache(1 << 20)}
	if h.opts != nil {
		h.opts(&o)
	}
	a, err := New(o)
	if err != nil {
		h.t.Fatal(err)
	}
	h.app = a
	h.height = a.tree.Version()
	h.t.Cleanup(func() { a.Close() })
}

// block finalizes and commits a block of txs and returns their results.
func (h *harness) block(txs ...[]byte) []*abci.ExecTxResult {
	h.t.Helper()
	res, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: h.height + 1, Time: time.Unix(1e9+h.height, 0), Txs: txs})
	if err != nil {
		h.t.Fatalf("FinalizeBlock: %v", err)
	}
	if _, err := h.app.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		h.t.Fatal(err)
	}
	h.height++
	return res.TxResults
}

func (h *harness) check(b []byte) *abci.CheckTxResponse {
	h.t.Helper()
	res, err := h.app.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: b})
	if err != nil {
		h.t.Fatalf("CheckTx: %v", err)
	}
	return res
}

func (h *harness) balance(k crypto.PrivateKey) pha.Amount {
	return h.app.bank.Balance(h.app.tree, k.Public().Address())
}

func (h *harness) nonce(k crypto.PrivateKey) uint64 {
	return h.app.auth.Account(h.app.tree, k.Public().Address()).Nonce
}

type txOpt func(*tx.Body)

func sendTx(t testing.TB, from crypto.PrivateKey, nonce uint64, to crypto.Address, amount pha.Amount, opts ...txOpt) []byte {
	t.Helper()
	m, err := tx.NewMsg(&bank.MsgSend{To: to, Amount: amount})
	if err != nil {
		t.Fatal(err)
	}
	body := tx.Body{ChainID: testChain, Nonce: nonce, Fee: tx.Fee{GasLimit: 100_000, GasPrice: auth.DefaultParams().MinGasPrice}, Msgs: []tx.Msg{m}}
	for _, o := range opts {
		o(&body)
	}
	signed, err := tx.Sign(body, from)
	if err != nil {
		t.Fatal(err)
	}
	b, err := signed.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantCode(t *testing.T, what string, codespace string, code uint32, gotCS string, gotCode uint32, log string) {
	t.Helper()
	if gotCS != codespace || gotCode != code {
		t.Errorf("%s: got %s/%d (%s), want %s/%d", what, gotCS, gotCode, log, codespace, code)
	}
	if code != 0 && log == "" {
		t.Errorf("%s: refusal without a message", what)
	}
}

func TestTransferCommitsAndChargesFee(t *testing.T) {
	h := newHarness(t)
	bobAddr := bob.Public().Address()
	before := h.balance(alice)
	b := sendTx(t, alice, 0, bobAddr, pha.Tokens(10))
	if r := h.check(b); r.Code != 0 {
		t.Fatalf("CheckTx: %s", r.Log)
	}
	res := h.block(b)
	if res[0].Code != 0 {
		t.Fatalf("tx failed: %s", res[0].Log)
	}
	if got := h.balance(bob); got.Cmp(pha.Tokens(10)) != 0 {
		t.Fatalf("bob has %s", got.PHA())
	}
	fee := tx.Fee{GasLimit: uint64(res[0].GasUsed), GasPrice: auth.DefaultParams().MinGasPrice}.Max()
	spent, _ := before.Sub(h.balance(alice))
	want, _ := pha.Tokens(10).Add(fee)
	if spent.Cmp(want) != 0 {
		t.Fatalf("alice spent %s, want 10 PHA + fee %s", spent.PHA(), fee.PHA())
	}
	// The block's end shares the fee: a third to the gatekeepers (held
	// until a block's votes name them), two thirds to the treasury.
	gk := h.app.bank.ModuleBalance(h.app.tree, computing.Gatekeepers)
	tr := h.app.bank.ModuleBalance(h.app.tree, computing.Treasury)
	if sum, _ := gk.Add(tr); sum.Cmp(fee) != 0 || !h.app.bank.ModuleBalance(h.app.tree, bank.FeeCollector).IsZero() {
		t.Fatalf("fee %s shared as %s to the gatekeepers and %s to the treasury", fee.PHA(), gk.PHA(), tr.PHA())
	}
	if third, _ := fee.MulDiv(pha.Units(1), pha.Units(3)); gk.Cmp(third) != 0 {
		t.Fatalf("the gatekeepers got %s of %s", gk, fee)
	}
	if res[0].GasUsed <= 0 || res[0].GasUsed >= res[0].GasWanted {
		t.Fatalf("gas used %d of %d", res[0].GasUsed, res[0].GasWanted)
	}
	if h.nonce(alice) != 1 {
		t.Fatalf("nonce %d, want 1", h.nonce(alice))
	}
	if err := h.app.bank.CheckSupply(h.app.tree); err != nil {
		t.Fatal(err)
	}
}

func TestRefusals(t *testing.T) {
	h := newHarness(t)
	bobAddr := bob.Public().Address()
	// Use nonce 0 so that nonce 0 becomes stale.
	if res := h.block(sendTx(t, alice, 0, bobAddr, pha.Tokens(1))); res[0].Code != 0 {
		t.Fatal(res[0].Log)
	}
	badSig := sendTx(t, alice, 1, bobAddr, pha.Tokens(1))
	badSig[len(badSig)-1] ^= 1
	unknown := func(b *tx.Body) { b.Msgs = []tx.Msg{{Type: "bank/print-money", Value: codec.MustMarshal(1)}} }
	cases := []struct {
		name string
		tx   []byte
		err  *module.Error
	}{
		{"malformed bytes", []byte("definitely not a transaction"), tx.ErrMalformed},
		{"empty", nil, tx.ErrMalformed},
		{"bad signature", badSig, tx.ErrBadSignature},
		{"wrong chain id", sendTx(t, alice, 1, bobAddr, pha.Tokens(1), func(b *tx.Body) { b.ChainID = "other-chain" }), tx.ErrWrongChainID},
		{"stale nonce", sendTx(t, alice, 0, bobAddr, pha.Tokens(1)), tx.ErrStaleNonce},
		{"future nonce", sendTx(t, alice, 5, bobAddr, pha.Tokens(1)), tx.ErrFutureNonce},
		{"unknown message", sendTx(t, alice, 1, bobAddr, pha.Tokens(1), unknown), tx.ErrUnknownMsg},
		{"oversize", sendTx(t, alice, 1, bobAddr, pha.Tokens(1), func(b *tx.Body) {
			m := b.Msgs[0]
			b.Msgs = nil
			for range tx.MaxMsgs {
				b.Msgs = append(b.Msgs, m)
			}
			b.Memo = string(make([]byte, tx.MaxMemoBytes))
			for i := range b.Msgs {
				b.Msgs[i].Value = append(codec.RawMessage(nil), m.Value...)
			}
		}), tx.ErrTooLarge}, // over the 1 KiB limit set below
		{"unaffordable fee", sendTx(t, poor, 0, bobAddr, pha.Units(1)), tx.ErrUnaffordableFee},
		{"gas price too low", sendTx(t, alice, 1, bobAddr, pha.Tokens(1), func(b *tx.Body) { b.Fee.GasPrice = 1 }), tx.ErrGasPriceTooLow},
		{"gas limit too low", sendTx(t, alice, 1, bobAddr, pha.Tokens(1), func(b *tx.Body) { b.Fee.GasLimit = 100 }), tx.ErrGasLimit},
		{"zero amount", sendTx(t, alice, 1, bobAddr, pha.Zero), bank.ErrInvalidAmount},
		{"more than the balance", sendTx(t, alice, 1, bobAddr, pha.Tokens(5000)), bank.ErrInsufficientFunds},
		{"no messages", sendTx(t, alice, 1, bobAddr, pha.Tokens(1), func(b *tx.Body) { b.Msgs = nil }), tx.ErrNoMsgs},
	}
	nonceBefore, balBefore := h.nonce(alice), h.balance(alice)
	for _, c := range cases {
		// A small size limit for the mempool check, so the oversize case
		// needs no megabyte transaction; every other case is far below it.
		h.app.params.MaxTxBytes = 1024
		r := h.check(c.tx)
		wantCode(t, c.name, c.err.Codespace, c.err.Code, r.Codespace, r.Code, r.Log)
		// The same transaction in a block fails the same way and changes nothing.
		if c.err == tx.ErrTooLarge {
			continue // the block path reads the committed parameters
		}
		res := h.block(c.tx)
		wantCode(t, c.name+" in a block", c.err.Codespace, c.err.Code, res[0].Codespace, res[0].Code, res[0].Log)
	}
	// Only "more than the balance" passes the envelope checks: in a block it
	// pays its fee and uses its nonce, and nothing else may.
	if h.nonce(alice) != nonceBefore+1 {
		t.Errorf("refused transactions used nonces: %d -> %d", nonceBefore, h.nonce(alice))
	}
	if spent, _ := balBefore.Sub(h.balance(alice)); spent.Cmp(pha.Tokens(1)) >= 0 {
		t.Errorf("refusals cost alice %s", spent.PHA())
	}
	if r := h.check(sendTx(t, alice, h.nonce(alice), bobAddr, pha.Tokens(1))); r.Code != 0 {
		t.Fatalf("good tx refused after the refusals: %s", r.Log)
	}
}

func TestFailedMessageInBlockPaysFeeAndUsesNonce(t *testing.T) {
	h := newHarness(t)
	before := h.balance(alice)
	res := h.block(sendTx(t, alice, 0, bob.Public().Address(), pha.Tokens(5000)))
	wantCode(t, "overspend", bank.ErrInsufficientFunds.Codespace, bank.ErrInsufficientFunds.Code, res[0].Codespace, res[0].Code, res[0].Log)
	// The refusal states the balance as it was and the fee held apart,
	// not the balance minus the largest fee.
	held := tx.Fee{GasLimit: 100_000, GasPrice: auth.DefaultParams().MinGasPrice}.Max()
	left, _ := before.Sub(held)
	want := fmt.Sprintf("has %s, of which %s is held for this transaction's fee, leaving %s; needs 5,000 PHA", before.PHA(), held.PHA(), left.PHA())
	if !strings.Contains(res[0].Log, want) {
		t.Errorf("log %q does not say %q", res[0].Log, want)
	}
	if h.nonce(alice) != 1 {
		t.Fatalf("nonce %d, want 1", h.nonce(alice))
	}
	if !h.balance(bob).IsZero() {
		t.Fatal("failed transfer moved funds")
	}
	paid, _ := before.Sub(h.balance(alice))
	fee := tx.Fee{GasLimit: uint64(res[0].GasUsed), GasPrice: auth.DefaultParams().MinGasPrice}.Max()
	if paid.Cmp(fee) != 0 || paid.IsZero() {
		t.Fatalf("paid %s, want the fee %s", paid.PHA(), fee.PHA())
	}
}

func TestCheckStateTracksMempoolNonces(t *testing.T) {
	h := newHarness(t)
	bobAddr := bob.Public().Address()
	for n := uint64(0); n < 3; n++ {
		if r := h.check(sendTx(t, alice, n, bobAddr, pha.Tokens(1))); r.Code != 0 {
			t.Fatalf("nonce %d: %s", n, r.Log)
		}
	}
	if r := h.check(sendTx(t, alice, 1, bobAddr, pha.Tokens(1))); r.Code != tx.ErrStaleNonce.Code {
		t.Fatalf("reused mempool nonce: %d %s", r.Code, r.Log)
	}
}

func TestOutOfGasInBlock(t *testing.T) {
	h := newHarness(t)
	b := sendTx(t, alice, 0, bob.Public().Address(), pha.Tokens(1), func(b *tx.Body) {
		b.Fee.GasLimit = auth.DefaultParams().IntrinsicGas(200) + 10 // enough to enter, not to run
	})
	res := h.block(b)
	wantCode(t, "out of gas", module.ErrOutOfGas.Codespace, module.ErrOutOfGas.Code, res[0].Codespace, res[0].Code, res[0].Log)
	if res[0].GasUsed != res[0].GasWanted {
		t.Fatalf("out of gas used %d of %d", res[0].GasUsed, res[0].GasWanted)
	}
	if !h.balance(bob).IsZero() {
		t.Fatal("out-of-gas transfer moved funds")
	}
}

// A module that mints out of thin air must stop the chain, not be committed.
type msgMint struct {
	To []byte `cbor:"1,keyasint"`
}

func (*msgMint) Type() string         { return "test/mint" }
func (*msgMint) ValidateBasic() error { return nil }

func TestSupplyInvariantHalts(t *testing.T) {
	h := newHarness(t)
	module.Register(h.app.router, func(ctx *module.Context, m *msgMint) error {
		addr, _ := crypto.AddressFromBytes(m.To)
		ctx.Store().Set(bank.BalanceKey(addr), codec.MustMarshal(pha.Tokens(1)))
		return nil
	})
	m, _ := tx.NewMsg(&msgMint{To: bob.Public().Address().Bytes()})
	signed, _ := tx.Sign(tx.Body{ChainID: testChain, Fee: tx.Fee{GasLimit: 100_000, GasPrice: auth.DefaultParams().MinGasPrice}, Msgs: []tx.Msg{m}}, alice)
	b, _ := signed.Encode()
	heightBefore, hashBefore := h.app.tree.Version(), h.app.tree.Hash()
	_, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: h.height + 1, Txs: [][]byte{b}})
	if !errors.Is(err, bank.ErrSupplyInvariant) {
		t.Fatalf("FinalizeBlock = %v, want ErrSupplyInvariant", err)
	}
	if h.app.tree.Version() != heightBefore || string(h.app.tree.WorkingHash()) != string(hashBefore) {
		t.Fatal("the violating block reached the state")
	}
	// The node stays halted.
	if _, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: h.height + 1}); err == nil {
		t.Fatal("halted node finalized another block")
	}
	if r := h.check(sendTx(t, alice, 0, bob.Public().Address(), pha.Tokens(1))); r.Code != ErrHalted.Code {
		t.Fatalf("halted node admitted a tx: %d %s", r.Code, r.Log)
	}
}

func TestRestartKeepsState(t *testing.T) {
	h := newHarness(t)
	h.block(sendTx(t, alice, 0, bob.Public().Address(), pha.Tokens(7)))
	height, hash := h.app.tree.Version(), h.app.tree.Hash()
	h.app.Close()
	h.open()
	info, err := h.app.Info(context.Background(), &abci.InfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if info.LastBlockHeight != height || string(info.LastBlockAppHash) != string(hash) {
		t.Fatalf("Info after restart: %d %X, want %d %X", info.LastBlockHeight, info.LastBlockAppHash, height, hash)
	}
	if got := h.balance(bob); got.Cmp(pha.Tokens(7)) != 0 {
		t.Fatalf("bob has %s after restart", got.PHA())
	}
	if r := h.check(sendTx(t, alice, 1, bob.Public().Address(), pha.Tokens(1))); r.Code != 0 {
		t.Fatalf("next nonce after restart: %s", r.Log)
	}
}

func TestQueryWithProof(t *testing.T) {
	h := newHarness(t)
	h.block(sendTx(t, alice, 0, bob.Public().Address(), pha.Tokens(3)))
	addr := bob.Public().Address()
	res, err := h.app.Query(context.Background(), &abci.QueryRequest{Path: query.Balance, Data: addr[:], Prove: true})
	if err != nil || res.Code != 0 {
		t.Fatalf("query: %v %s", err, res.Log)
	}
	got, err := bank.DecodeAmount(res.Value)
	if err != nil || got.Cmp(pha.Tokens(3)) != 0 {
		t.Fatalf("balance %s, %v", got.PHA(), err)
	}
	if err := store.VerifyProof(h.app.tree.Hash(), res.Key, res.Value, res.ProofOps); err != nil {
		t.Fatalf("proof: %v", err)
	}
	for _, bad := range []*abci.QueryRequest{
		{Path: "/nope"},
		{Path: query.Balance, Data: []byte{1, 2}},
		{Path: query.Supply, Height: 999},
	} {
		if r, err := h.app.Query(context.Background(), bad); err != nil || r.Code == 0 {
			t.Errorf("query %s %x at %d: %v code %d", bad.Path, bad.Data, bad.Height, err, r.Code)
		}
	}
}

func TestGenesisRefusals(t *testing.T) {
	var st AppState
	if err := json.Unmarshal(testGenesis(t), &st); err != nil {
		t.Fatal(err)
	}
	var bg bank.Genesis
	if err := st.Section(&bg); err != nil {
		t.Fatal(err)
	}
	bg.Accounts[0].Amount = pha.Tokens(1)
	if err := st.Set(bg); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(st)
	a, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, AppStateBytes: raw})
	if !errors.Is(err, ErrBadGenesis) {
		t.Fatalf("unbalanced genesis: %v", err)
	}
	for _, bad := range []struct{ section, want string }{
		{`"extra":1`, `unknown section "extra"`},
		{`"keys":{"x":1}`, `keys: json: unknown field "x"`},
	} {
		st, err := ParseAppState(testGenesis(t))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(st)
		raw = append(append(raw[:len(raw)-1], ','), bad.section+"}"...)
		_, err = a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, AppStateBytes: raw})
		if !errors.Is(err, ErrBadGenesis) || !strings.Contains(err.Error(), bad.want) {
			t.Fatalf("app_state with %s: %v, want %q", bad.section, err, bad.want)
		}
	}
	// An empty section of a module with nothing to set is a genesis like
	// any other.
	st, _ = ParseAppState(testGenesis(t))
	st["keys"], st["mq"], st["stakepool"] = json.RawMessage(`{}`), json.RawMessage(`{}`), json.RawMessage(`{}`)
	raw, _ = json.Marshal(st)
	if _, err := ParseAppState(raw); err != nil {
		t.Fatalf("empty keys, mq and stakepool sections: %v", err)
	}
}

// newSigless returns an app shell with an empty signature cache, for
// measuring signature checks alone.
func newSigless() *App {
	return &App{sigs: tx.NewSigCache(1024), verifier: crypto.SharedBatchingVerifier()}
}

func TestRecheckAfterBlock(t *testing.T) {
	h := newHarness(t)
	to := bob.Public().Address()
	txs := make([][]byte, 4)
	for n := range txs {
		txs[n] = sendTx(t, alice, uint64(n), to, pha.Tokens(1))
	}
	for _, b := range txs[:3] {
		if r := h.check(b); r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	h.block(txs[0]) // resets the check state to the committed one
	recheck := func(b []byte) *abci.CheckTxResponse {
		res, err := h.app.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: b, Type: abci.CHECK_TX_TYPE_RECHECK})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if r := recheck(txs[0]); r.Code != tx.ErrStaleNonce.Code {
		t.Fatalf("recheck of the committed tx: %d %s", r.Code, r.Log)
	}
	for _, b := range txs[1:3] {
		if r := recheck(b); r.Code != 0 {
			t.Fatalf("recheck of a pending tx: %s", r.Log)
		}
	}
	if r := h.check(txs[3]); r.Code != 0 {
		t.Fatalf("next nonce after the recheck: %s", r.Log)
	}
}
