package keeper_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/statedb"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

type everyone struct{}

func (everyone) IsEnclave(store.Reader, crypto.PublicKey) bool { return true }

// queue is a chain with only the message queue, and enclaves that post
// to it.
type queue struct {
	t      *testing.T
	state  *store.Cache
	k      *mqkeeper.Keeper
	r      *module.Router
	height int64
	seqs   map[crypto.PublicKey]uint64
}

const chainID = "phalanx-mq"

func newQueue(t *testing.T) *queue {
	tree, err := statedb.Open(t.TempDir(), statedb.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	k := mqkeeper.NewKeeper(everyone{})
	k.Handle("test/answer", func(*module.Context, crypto.PublicKey, []byte) error { return nil })
	r := module.NewRouter()
	k.RegisterMsgs(r)
	return &queue{t: t, state: store.NewCache(tree), k: k, r: r, height: 1, seqs: map[crypto.PublicKey]uint64{}}
}

func (q *queue) ctx() *module.Context {
	return module.NewContext(q.state, module.Block{ChainID: chainID, Height: q.height}, crypto.Address{}, module.NewGasMeter(1e9), nil)
}

func (q *queue) send(to crypto.PublicKey, n int) {
	for i := range n {
		q.k.Send(q.ctx(), to, "test/notice", []byte(fmt.Sprint(i)))
	}
}

// post has en post a message reporting consumed, as a transaction does:
// its writes are kept only if it is accepted.
func (q *queue) post(en crypto.PrivateKey, consumed uint64) error {
	id := en.Public()
	m := &mq.MsgPost{Sender: id, Seq: q.seqs[id], Topic: "test/answer", Payload: []byte{1}, Consumed: consumed}
	m.Signature = en.Sign(mq.SigningContext, mq.SignBytesConsumed(chainID, id, m.Seq, consumed, m.Topic, m.Payload))
	return q.run(m)
}

func (q *queue) run(m *mq.MsgPost) error {
	c := store.NewCache(q.state)
	if err := q.r.Handle(module.NewContext(c, module.Block{ChainID: chainID, Height: q.height}, crypto.Address{}, module.NewGasMeter(1e9), nil), m); err != nil {
		return err
	}
	c.Write(q.state)
	q.seqs[m.Sender]++
	return nil
}

func (q *queue) endBlock() {
	q.k.EndBlock(q.ctx())
	q.height++
}

func (q *queue) stored(prefix string) int {
	n := 0
	q.state.Iterate([]byte(prefix), func(_, _ []byte) bool { n++; return true })
	return n
}

func enclaveKey(name string) crypto.PrivateKey {
	seed := make([]byte, 32)
	copy(seed, name)
	k, err := crypto.PrivateKeyFromSeed(seed)
	if err != nil {
		panic(err)
	}
	return k
}

func TestConsumedMessagesArePrunedBoundedPerBlock(t *testing.T) {
	q := newQueue(t)
	a, b := enclaveKey("a"), enclaveKey("b")
	q.send(a.Public(), 600)
	q.send(b.Public(), 3)
	if n := q.stored("mq/egress/"); n != 603 {
		t.Fatalf("%d messages stored", n)
	}
	// a's checkpoint counts 500 handled (it has handled more in memory,
	// but not saved them yet); b's counts all 3.
	if err := q.post(a, 500); err != nil {
		t.Fatal(err)
	}
	if err := q.post(b, 3); err != nil {
		t.Fatal(err)
	}
	q.endBlock()
	if n := q.stored("mq/egress/"); n != 603-mqkeeper.MaxPrunePerBlock {
		t.Fatalf("after one block %d messages stored, want %d: at most %d deleted a block", n, 603-mqkeeper.MaxPrunePerBlock, mqkeeper.MaxPrunePerBlock)
	}
	for range 3 {
		q.endBlock()
	}
	if n := q.stored("mq/egress/"); n != 100 {
		t.Fatalf("%d messages stored, want the 100 a has not consumed", n)
	}
	if n := q.stored("mq/prune/"); n != 0 {
		t.Fatalf("%d recipients still marked for pruning", n)
	}
	if f := q.k.FirstEgress(q.state, a.Public()); f != 500 {
		t.Fatalf("a's first stored message is %d", f)
	}
	// a restarts from its checkpoint (500 handled): every message it has
	// not consumed is there, in order, and the count is unchanged.
	count := q.k.EgressCount(q.state, a.Public())
	if count != 600 {
		t.Fatalf("a's message count %d after pruning", count)
	}
	for seq := uint64(500); seq < count; seq++ {
		m, ok := q.k.Egress(q.state, a.Public(), seq)
		if !ok || m.Seq != seq {
			t.Fatalf("message %d to a: %v %+v", seq, ok, m)
		}
	}
	if _, ok := q.k.Egress(q.state, a.Public(), 499); ok {
		t.Fatal("consumed message 499 still stored")
	}
	// A lower count, relayed late, changes nothing; new messages after
	// pruning go on from the count.
	if err := q.post(a, 200); err != nil {
		t.Fatal(err)
	}
	if c := q.k.Consumed(q.state, a.Public()); c != 500 {
		t.Fatalf("consumed went down to %d", c)
	}
	q.send(a.Public(), 1)
	if m, ok := q.k.Egress(q.state, a.Public(), 600); !ok || m.Seq != 600 {
		t.Fatalf("message after pruning: %v %+v", ok, m)
	}
	q.endBlock()
	if n := q.stored("mq/egress/"); n != 101 {
		t.Fatalf("%d stored", n)
	}
}

func TestConsumedCountIsSignedAndBounded(t *testing.T) {
	q := newQueue(t)
	a := enclaveKey("a")
	q.send(a.Public(), 5)
	// More consumed than ever sent: refused, nothing changes.
	if err := q.post(a, 6); !errors.Is(err, mq.ErrBadConsumed) {
		t.Fatalf("consumed 6 of 5: %v", err)
	}
	if q.k.NextIngress(q.state, a.Public()) != 0 || q.k.Consumed(q.state, a.Public()) != 0 {
		t.Fatal("a refused post changed the state")
	}
	// A relayer cannot raise the count the enclave signed.
	m := &mq.MsgPost{Sender: a.Public(), Seq: 0, Topic: "test/answer", Payload: []byte{1}, Consumed: 1}
	m.Signature = a.Sign(mq.SigningContext, mq.SignBytesConsumed(chainID, a.Public(), 0, 1, m.Topic, m.Payload))
	m.Consumed = 5
	if err := q.run(m); !errors.Is(err, mq.ErrBadSignature) {
		t.Fatalf("raised consumed count: %v", err)
	}
	// A message signed without a count (as before counts existed) still
	// verifies and prunes nothing.
	old := &mq.MsgPost{Sender: a.Public(), Seq: 0, Topic: "test/answer", Payload: []byte{1}}
	old.Signature = a.Sign(mq.SigningContext, mq.SignBytes(chainID, a.Public(), 0, old.Topic, old.Payload))
	if err := q.run(old); err != nil {
		t.Fatal(err)
	}
	q.endBlock()
	if n := q.stored("mq/egress/"); n != 5 {
		t.Fatalf("%d stored after a post without a count", n)
	}
}
