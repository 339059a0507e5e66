package e2e

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// transfer is one signed transfer of the load and what became of it.
type transfer struct {
	sender int
	nonce  uint64
	amount pha.Amount
	hash   []byte
	raw    []byte
	phase  string
	sent   time.Time
	// Set once a node reported the transfer in a block.
	acked     bool
	committed time.Time
	height    int64
	fee       pha.Amount
	// Commands: a deposit into the vault and the cluster sequence number
	// the chain gave it.
	command bool
	deposit uint64
	seq     uint64
}

// load sends transfers from each sender to its own recipient, one at a
// time per sender, through the gatekeepers' RPC.
//
// Every transfer is signed once with an explicit nonce; until some node
// shows it in a block, the same bytes are sent again, to another node if
// one fails. So a transfer that a dead node had in its mempool, or that
// committed while the client was looking elsewhere, is never signed
// twice, and the chain's nonce check makes a second copy a refusal, not a
// second payment. The resending is the client's Resume (see deliver).
type load struct {
	keys       []crypto.PrivateKey
	recipients []crypto.Address
	gasPrice   uint64
	nodes      func() []*member
	// phase labels the transfers signed from now on (the network's
	// shape: "all up", "1 gatekeeper down", ...).
	phase atomic.Value

	mu   sync.Mutex
	sent []*transfer
	errs []error
}

func newLoad(n int) (*load, error) {
	l := &load{}
	for range n {
		k, err := crypto.GenerateKey()
		if err != nil {
			return nil, err
		}
		r, err := crypto.GenerateKey()
		if err != nil {
			return nil, err
		}
		l.keys = append(l.keys, k)
		l.recipients = append(l.recipients, r.Public().Address())
	}
	l.phase.Store("all up")
	return l, nil
}

func (l *load) senders() []crypto.Address {
	var out []crypto.Address
	for _, k := range l.keys {
		out = append(out, k.Public().Address())
	}
	return out
}

// run sends until stop is closed, then waits (until ctx ends) for the
// transfers in flight to be seen in a block.
func (l *load) run(ctx context.Context, stop <-chan struct{}, v *vault) {
	var wg sync.WaitGroup
	for i := range l.keys {
		wg.Go(func() { l.send(ctx, stop, i) })
	}
	if v != nil {
		wg.Go(func() { l.sendCommands(ctx, stop, v) })
	}
	wg.Wait()
}

func (l *load) fail(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *load) send(ctx context.Context, stop <-chan struct{}, i int) {
	for nonce := uint64(0); ; nonce++ {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		t, err := l.sign(ctx, i, nonce)
		if err != nil {
			l.fail(err)
			return
		}
		l.mu.Lock()
		l.sent = append(l.sent, t)
		l.mu.Unlock()
		if err := l.deliver(ctx, t); err != nil {
			if ctx.Err() == nil {
				l.fail(err)
			}
			return
		}
	}
}

// sign makes sender i's transfer with this nonce: 1000 + nonce%100 units,
// so a transfer applied twice would show in the balances.
func (l *load) sign(ctx context.Context, i int, nonce uint64) (*transfer, error) {
	amount := pha.Units(1000 + nonce%100)
	cl, err := l.client()
	if err != nil {
		return nil, err
	}
	signed, err := cl.Build(ctx, l.keys[i], []module.Msg{&bank.MsgSend{To: l.recipients[i], Amount: amount}},
		client.TxOptions{Nonce: &nonce, GasPrice: l.gasPrice, GasLimit: client.DefaultGasLimit})
	if err != nil {
		return nil, fmt.Errorf("sign transfer %d/%d: %w", i, nonce, err)
	}
	raw, err := signed.Encode()
	if err != nil {
		return nil, err
	}
	h := tx.Hash(raw)
	return &transfer{sender: i, nonce: nonce, amount: amount, hash: h[:], raw: raw, phase: l.phase.Load().(string), sent: time.Now()}, nil
}

// deliver sends t until some node shows it in a block: each attempt is
// the client's Resume at the next live gatekeeper (the same bytes, sent
// again and polled for until they commit or pollFor passes), and an
// attempt whose outcome is unknown goes on at the next one.
func (l *load) deliver(ctx context.Context, t *transfer) error {
	const pollFor, every = 10 * time.Second, 50 * time.Millisecond
	for attempt := t.sender; ; attempt++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		nodes := l.nodes()
		if len(nodes) == 0 {
			// No gatekeeper runs: wait for one to start.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(every):
			}
			continue
		}
		g := nodes[attempt%len(nodes)]
		// A paused node holds requests: the attempt's context ends them.
		actx, cancel := context.WithTimeout(ctx, pollFor+2*time.Second)
		r, err := g.cl.Resume(actx, t.raw, pollFor)
		cancel()
		var te *client.TxError
		switch {
		case r != nil:
			return l.record(t, r)
		case errors.As(err, &te) && !errors.Is(err, tx.ErrStaleNonce) && !errors.Is(err, tx.ErrFutureNonce):
			// The chain's refusal of bytes that never change is final.
			return fmt.Errorf("%s refused %s %d/%d: %w", g.name, t.kind(), t.sender, t.nonce, err)
		}
		// Unknown (the node died, or no commit in time), no answer, a
		// full mempool, or a nonce the node sees spent or ahead (a copy
		// committed where this node's index does not show it yet, or a
		// node behind): the next node is asked, after a pause so that a
		// node that fails at once is not asked in a tight loop.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// record notes r, the block's result of t, in t; a failure in the block
// is an error.
func (l *load) record(t *transfer, r *client.Result) error {
	if r.Code != 0 {
		return fmt.Errorf("%s %d/%d failed in block %d: code %d: %s", t.kind(), t.sender, t.nonce, r.Height, r.Code, r.Log)
	}
	seq, ok := commandSeq(r)
	if t.command && !ok {
		return fmt.Errorf("command %d committed at height %d without a sequence number in its events", t.nonce, r.Height)
	}
	l.mu.Lock()
	t.acked, t.committed, t.height, t.fee, t.seq = true, time.Now(), r.Height, r.Fee, seq
	l.mu.Unlock()
	return nil
}

// client is a live gatekeeper's, for the reads signing needs (the chain
// id, a contract's key).
func (l *load) client() (*client.Client, error) {
	nodes := l.nodes()
	if len(nodes) == 0 {
		return nil, errors.New("no gatekeeper runs")
	}
	return nodes[0].cl, nil
}

func (t *transfer) kind() string {
	if t.command {
		return "command"
	}
	return "transfer"
}

// transfers returns a snapshot of what was sent.
func (l *load) transfers() []transfer {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]transfer, len(l.sent))
	for i, t := range l.sent {
		out[i] = *t
	}
	return out
}

func (l *load) errors() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.errs...)
}
