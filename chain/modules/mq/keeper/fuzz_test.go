package keeper_test

import (
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

type nobody struct{}

func (nobody) IsEnclave(store.Reader, crypto.PublicKey) bool { return false }

// FuzzDecode feeds arbitrary bytes to the two decoders of queue data that
// comes from outside: a MsgPost in a transaction (gatekeepers) and a
// stored chain-to-enclave message (workers, reading what a node sends).
// Neither may panic, and whatever decodes must encode back to the same
// bytes (the encoding is canonical).
func FuzzDecode(f *testing.F) {
	seed, _ := crypto.PrivateKeyFromSeed(make([]byte, 32))
	post := &mq.MsgPost{Sender: seed.Public(), Seq: 7, Topic: "registry/online", Payload: []byte{0xa0}}
	post.Signature = seed.Sign(mq.SigningContext, mq.SignBytes("c", post.Sender, post.Seq, post.Topic, post.Payload))
	f.Add(codec.MustMarshal(post))
	acked := *post
	acked.Consumed = 12
	acked.Signature = seed.Sign(mq.SigningContext, mq.SignBytesConsumed("c", post.Sender, post.Seq, 12, post.Topic, post.Payload))
	f.Add(codec.MustMarshal(&acked))
	f.Add(codec.MustMarshal(mq.Message{Seq: 3, Height: 99, Topic: "registry/registered", Payload: []byte{1, 2}}))
	f.Add([]byte{})
	f.Add([]byte{0xa5, 0x01})

	r := module.NewRouter()
	mqkeeper.NewKeeper(nobody{}).RegisterMsgs(r)
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, ok, err := r.Decode("mq/post", b)
		if !ok {
			t.Fatal("mq/post not registered")
		}
		if err == nil {
			_ = msg.ValidateBasic()
			if again := codec.MustMarshal(msg); string(again) != string(b) {
				t.Fatalf("MsgPost %x re-encodes as %x", b, again)
			}
		}
		if m, err := mq.DecodeMessage(b); err == nil {
			if again := codec.MustMarshal(m); string(again) != string(b) {
				t.Fatalf("Message %x re-encodes as %x", b, again)
			}
		}
		_, _ = mq.DecodeCount(b)
	})
}
