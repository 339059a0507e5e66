package enclave_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/enclave"
)

func openWithSecrets(t *testing.T) *enclave.Enclave {
	t.Helper()
	dir := t.TempDir()
	e, _, err := sim(dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.OpenSecrets(dir); err != nil {
		t.Fatal(err)
	}
	return e
}

func handle(t *testing.T, e *enclave.Enclave, topic string, v any) []enclave.Outgoing {
	t.Helper()
	out, err := e.Handle(enclave.Inbox{ChainID: "chain-x", Role: registry.RoleGatekeeper, Height: 7}, mq.Message{Topic: topic, Payload: codec.MustMarshal(v)})
	if err != nil {
		t.Fatalf("%s: %v", topic, err)
	}
	return out
}

func single[T any](t *testing.T, out []enclave.Outgoing, topic string) T {
	t.Helper()
	if len(out) != 1 || out[0].Topic != topic {
		t.Fatalf("answers %+v, want one %s", out, topic)
	}
	var v T
	if err := codec.Unmarshal(out[0].Payload, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The enclave's topic table, as the chain drives a master key's life:
// generated in one gatekeeper enclave, handed over sealed to another,
// which opens it and reports the same public key. The master key itself
// never crosses the API.
func TestChainMessagesDriveTheMasterKey(t *testing.T) {
	g1, g2 := openWithSecrets(t), openWithSecrets(t)
	pub := single[keys.Publish](t, handle(t, g1, keys.TopicGenerate, keys.Generate{Epoch: 0}), keys.TopicPublish)
	if pub.Epoch != 0 || len(pub.PublicKey) == 0 {
		t.Fatalf("publish: %+v", pub)
	}
	h := single[keys.Handover](t, handle(t, g1, keys.TopicHandoverRequest, keys.HandoverRequest{To: g2.Identity(), EncryptionKey: g2.EncryptionKey(), Recipient: recipientOf(t, g2, registry.RoleGatekeeper)}), keys.TopicHandover)
	if h.To != g2.Identity() {
		t.Fatalf("handover to %s", h.To)
	}
	h.From = g1.Identity()
	got := single[keys.Received](t, handle(t, g2, keys.TopicMasterKey, h), keys.TopicReceived)
	if !bytes.Equal(got.PublicKey, pub.PublicKey) {
		t.Fatal("the master key received is not the one published")
	}
	// Handed to the wrong enclave it does not open, and nothing is
	// answered.
	if out := handle(t, openWithSecrets(t), keys.TopicMasterKey, h); len(out) != 0 {
		t.Fatalf("a stranger answered %+v", out)
	}
	// A topic of a later version is skipped; a payload that does not
	// decode is the chain's fault.
	if out, err := g1.Handle(enclave.Inbox{}, mq.Message{Topic: "later/topic", Payload: []byte{1}}); err != nil || out != nil {
		t.Fatalf("unknown topic: %+v, %v", out, err)
	}
	if _, err := g1.Handle(enclave.Inbox{}, mq.Message{Topic: keys.TopicGenerate, Payload: []byte{0xff}}); !errors.Is(err, enclave.ErrMessage) {
		t.Fatalf("garbled payload: %v", err)
	}
}
