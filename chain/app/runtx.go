package app

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

// Event types the application itself emits for every transaction.
const (
	EventFee    = "fee"
	AttrPayer   = "payer"
	AttrNonce   = "nonce"
	AttrGasUsed = "gas_used"
)

var feeCollector = crypto.ModuleAddress(bank.FeeCollector)

// txResult is the outcome of running one transaction.
type txResult struct {
	err       error
	gasWanted uint64
	gasUsed   uint64
	events    []abci.Event
	kind      string // the first message's type, for metrics
}

// mode says why a transaction runs.
type mode int

const (
	// modeCheck admits a new transaction to the mempool: every check, and
	// its messages run, so that one that would fail never enters a block.
	modeCheck mode = iota
	// modeRecheck re-admits a transaction still in the mempool after a
	// block: its envelope is checked again and its nonce and largest fee
	// taken, which keeps a sender's later nonces admissible; its messages
	// already ran once and are not run again (as in the Cosmos SDK). A
	// transaction whose messages fail by now still pays its fee in a block.
	modeRecheck
	// modeDeliver executes the transaction in a block.
	modeDeliver
)

// runTx checks a transaction and, if it is admissible, applies it to
// parent. In check mode a transaction whose messages fail is refused (so
// it never enters a block); in a block it pays its fee and uses its nonce
// even if its messages fail, and their writes are dropped.
//
// A refusal leaves parent untouched. runTx never panics on any input: a
// handler's panic fails the transaction with ErrInternal, except a state
// database failure, which propagates so the node halts.
func (a *App) runTx(m mode, parent *store.Cache, block module.Block, params auth.Params, txBytes []byte) (res txResult) {
	check := m != modeDeliver
	var kind string
	defer func() {
		if res.kind == "" {
			res.kind = kind
		}
		if r := recover(); r != nil {
			var ioErr *store.IOError
			if e, ok := r.(error); ok && errors.As(e, &ioErr) {
				panic(r)
			}
			a.log.Error("transaction handler panicked; transaction refused", "height", block.Height, "panic", r, "stack", string(debug.Stack()))
			res = txResult{err: module.ErrInternal.Wrap("handler panicked: %v", r)}
		}
	}()

	t, msgs, err := a.admit(parent, params, txBytes)
	if len(msgs) > 0 && msgs[0] != nil { // only known types: labels stay few
		kind = msgs[0].Type()
	}
	if err != nil {
		return txResult{err: err}
	}
	sender := t.Body.SenderAddress()
	fee := t.Body.Fee
	maxFee := fee.Max()

	txState := store.NewCache(parent)
	a.auth.IncrementNonce(txState, sender)
	if err := a.bank.MoveAt(txState, sender, feeCollector, maxFee, block.Time); err != nil {
		return txResult{err: tx.ErrUnaffordableFee.Wrap("%v", err)} // admit checked; defensive
	}
	if m == modeRecheck {
		txState.Write(parent)
		return txResult{gasWanted: fee.GasLimit}
	}

	meter := module.NewGasMeter(fee.GasLimit)
	_ = meter.Consume(params.IntrinsicGas(len(txBytes)), "transaction size")
	msgState := store.NewCache(txState)
	ctx := module.NewContext(msgState, block, sender, meter, a.log).WithGasCosts(params.StateGas)
	ctx.FeeHold = maxFee
	ctx.Check = check
	var msgErr error
	for i, m := range msgs {
		if err := a.router.Handle(ctx, m); err != nil {
			msgErr = fmt.Errorf("message %d (%s): %w", i, m.Type(), err)
			break
		}
		if meter.Exhausted() {
			msgErr = fmt.Errorf("message %d (%s): %w", i, m.Type(), module.ErrOutOfGas.Wrap("gas limit %d reached", fee.GasLimit))
			break
		}
	}
	if msgErr != nil && check {
		return txResult{err: msgErr, gasWanted: fee.GasLimit, gasUsed: meter.Used()}
	}
	var events []abci.Event
	if msgErr == nil {
		msgState.Write(txState)
		events = ctx.Events()
	}

	used := meter.Used()
	refund := tx.Fee{GasLimit: fee.GasLimit - used, GasPrice: fee.GasPrice}.Max()
	if err := a.bank.Move(txState, feeCollector, sender, refund); err != nil {
		// The collector just received maxFee ≥ refund in this transaction.
		panic(&store.IOError{Err: fmt.Errorf("fee refund: %w", err)})
	}
	if !check {
		charged := tx.Fee{GasLimit: used, GasPrice: fee.GasPrice}.Max()
		events = append(events, abci.Event{Type: EventFee, Attributes: []abci.EventAttribute{
			{Key: AttrPayer, Value: sender.String(), Index: true},
			{Key: bank.AttrAmount, Value: charged.String()},
			{Key: AttrNonce, Value: strconv.FormatUint(t.Body.Nonce, 10)},
			{Key: AttrGasUsed, Value: strconv.FormatUint(used, 10)},
		}})
	}
	txState.Write(parent)
	return txResult{err: msgErr, gasWanted: fee.GasLimit, gasUsed: used, events: events}
}

// decodedTx is a transaction decoded with its messages. It depends only on
// the transaction's bytes, so the nodes of a process share one memo of them
// (a transaction is decoded by each node's mempool check, by every recheck
// and by each node's block execution). Messages are read-only to handlers.
type decodedTx struct {
	tx      *tx.Tx
	msgs    []module.Msg
	msgsErr error // why the messages are refused, if they are
}

// decodedTxs holds the process's decoded transactions; 1<<17 entries of
// a few hundred bytes each.
var decodedTxs = tx.NewMemo[*decodedTx](1 << 17)

// decode decodes a transaction and its messages, or finds them decoded.
func (a *App) decode(txBytes []byte, h [32]byte) (*decodedTx, error) {
	if d, ok := decodedTxs.Get(h); ok {
		return d, nil
	}
	t, err := tx.Decode(txBytes)
	if err != nil {
		return nil, err
	}
	d := &decodedTx{tx: t, msgs: make([]module.Msg, len(t.Body.Msgs))}
	for i, raw := range t.Body.Msgs {
		m, known, err := a.router.Decode(raw.Type, raw.Value)
		if !known {
			d.msgsErr = tx.ErrUnknownMsg.Wrap("message %d has type %q; this chain knows %v", i, raw.Type, a.router.Types())
			break
		}
		if err != nil {
			d.msgsErr = tx.ErrMalformed.Wrap("message %d (%s): %v", i, raw.Type, err)
			break
		}
		if err := m.ValidateBasic(); err != nil {
			var coded *module.Error
			if errors.As(err, &coded) {
				d.msgsErr = fmt.Errorf("message %d (%s): %w", i, raw.Type, err)
			} else {
				d.msgsErr = tx.ErrInvalidMsg.Wrap("message %d (%s): %v", i, raw.Type, err)
			}
			break
		}
		d.msgs[i] = m
	}
	decodedTxs.Put(h, d)
	return d, nil
}

// admit runs every check that can refuse a transaction, in order: size,
// encoding, chain id, message types and contents, fee rules, signature,
// nonce, and whether the sender can pay the largest fee. A refused
// transaction's messages are returned too when they decoded, so that the
// refusal is counted by type.
func (a *App) admit(st store.Reader, params auth.Params, txBytes []byte) (*tx.Tx, []module.Msg, error) {
	if uint64(len(txBytes)) > params.MaxTxBytes {
		return nil, nil, tx.ErrTooLarge.Wrap("%d bytes, the limit is %d", len(txBytes), params.MaxTxBytes)
	}
	h := tx.Hash(txBytes)
	d, err := a.decode(txBytes, h)
	if err != nil {
		return nil, nil, err
	}
	t, msgs := d.tx, d.msgs
	refuse := func(err error) (*tx.Tx, []module.Msg, error) { return nil, msgs, err }
	if t.Body.ChainID != a.chainID {
		return refuse(tx.ErrWrongChainID.Wrap("transaction is for chain %q, this is %q", t.Body.ChainID, a.chainID))
	}
	if d.msgsErr != nil {
		return nil, nil, d.msgsErr
	}
	if err := params.CheckFee(t.Body.Fee, len(txBytes)); err != nil {
		return refuse(err)
	}
	if !a.sigs.Verified(h) {
		if err := t.VerifySignature(); err != nil {
			return refuse(err)
		}
		a.sigs.Add(h)
	}
	sender := t.Body.SenderAddress()
	if err := a.auth.CheckNonce(st, sender, t.Body.Nonce); err != nil {
		return refuse(err)
	}
	// The time is the block's in a block, the last block's in CheckTx.
	if bal, maxFee := a.bank.Spendable(st, sender, decodeBlockTime(st.Get(blockTimeKey))), t.Body.Fee.Max(); bal.Lt(maxFee) {
		return refuse(tx.ErrUnaffordableFee.Wrap("%s can spend %s (what its vesting does not lock); the fee may reach %s (gas limit %d × price %d)",
			sender, bal.PHA(), maxFee.PHA(), t.Body.Fee.GasLimit, t.Body.Fee.GasPrice))
	}
	return t, msgs, nil
}

func (r txResult) exec() *abci.ExecTxResult {
	cs, code, log := module.ABCIInfo(r.err)
	return &abci.ExecTxResult{Code: code, Codespace: cs, Log: log, GasWanted: int64(r.gasWanted), GasUsed: int64(r.gasUsed), Events: r.events}
}
