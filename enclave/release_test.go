package enclave_test

import (
	"context"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
)

var releaseOperator = crypto.ModuleAddress("operator")

// recipientOf is e's registration as the registry records it, with an
// allowlist that admits its measurement.
func recipientOf(t *testing.T, e *enclave.Enclave, role registry.Role) *keys.Recipient {
	t.Helper()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	reg, err := e.Registration(context.Background(), role, "chain-x", releaseOperator, at)
	if err != nil {
		t.Fatal(err)
	}
	return &keys.Recipient{
		Evidence: reg.Evidence, Identity: reg.Identity, EncryptionKey: reg.EncryptionKey, Operator: releaseOperator,
		Role: role, Version: reg.Version, AttestedAt: reg.AttestedAt,
		Allowlist: []registry.Measurement{{Platform: tee.Sim, Value: tee.SimMeasurement(enclave.Version)}},
		AllowSim:  true, Time: at.Unix() + 60,
	}
}

// forgeries are chain records a compromised chain could write for the
// genuine enclave want, each paired with the encryption key the request
// would have the key sealed to. attacker is an enclave whose key the
// forger holds.
func forgeries(t *testing.T, role registry.Role, want, attacker *enclave.Enclave) map[string]struct {
	r      *keys.Recipient
	encKey []byte
} {
	genuine := func() *keys.Recipient { return recipientOf(t, want, role) }
	otherKey := genuine()
	otherKey.EncryptionKey = attacker.EncryptionKey()
	otherEvidence := genuine()
	otherEvidence.Evidence = recipientOf(t, attacker, role).Evidence
	notAllowed := genuine()
	notAllowed.Allowlist = []registry.Measurement{{Platform: tee.Sim, Value: tee.SimMeasurement(enclave.Version + 1)}}
	otherRole := genuine()
	otherRole.Role = registry.RoleGatekeeper + registry.RoleWorker - role
	simRefused := genuine()
	simRefused.AllowSim = false
	return map[string]struct {
		r      *keys.Recipient
		encKey []byte
	}{
		"no registration":                       {nil, want.EncryptionKey()},
		"encryption key the evidence not binds": {otherKey, attacker.EncryptionKey()},
		"evidence of another enclave":           {otherEvidence, want.EncryptionKey()},
		"measurement not allowlisted":           {notAllowed, want.EncryptionKey()},
		"registration of another role":          {otherRole, want.EncryptionKey()},
		"sim not accepted":                      {simRefused, want.EncryptionKey()},
	}
}

// A holder hands the master key only to an enclave whose registration it
// verified itself: a forged chain record gets nothing sealed.
func TestHandoverOnlyToAVerifiedRecipient(t *testing.T) {
	g1, g2, attacker := openWithSecrets(t), openWithSecrets(t), openWithSecrets(t)
	single[keys.Publish](t, handle(t, g1, keys.TopicGenerate, keys.Generate{Epoch: 0}), keys.TopicPublish)
	for name, f := range forgeries(t, registry.RoleGatekeeper, g2, attacker) {
		req := keys.HandoverRequest{To: g2.Identity(), EncryptionKey: f.encKey, Recipient: f.r}
		if out := handle(t, g1, keys.TopicHandoverRequest, req); len(out) != 0 {
			t.Errorf("%s: the holder sealed %+v", name, out)
		}
	}
	req := keys.HandoverRequest{To: g2.Identity(), EncryptionKey: g2.EncryptionKey(), Recipient: recipientOf(t, g2, registry.RoleGatekeeper)}
	h := single[keys.Handover](t, handle(t, g1, keys.TopicHandoverRequest, req), keys.TopicHandover)
	h.From = g1.Identity()
	single[keys.Received](t, handle(t, g2, keys.TopicMasterKey, h), keys.TopicReceived)
}

// The same for a worker's share of a cluster's keys.
func TestClusterShareOnlyToAVerifiedRecipient(t *testing.T) {
	gk, w, attacker := openWithSecrets(t), openWithSecrets(t), openWithSecrets(t)
	single[keys.Publish](t, handle(t, gk, keys.TopicGenerate, keys.Generate{Epoch: 0}), keys.TopicPublish)
	for name, f := range forgeries(t, registry.RoleWorker, w, attacker) {
		req := keys.ClusterRequest{Cluster: 3, Worker: w.Identity(), EncryptionKey: f.encKey, Recipient: f.r}
		if out := handle(t, gk, keys.TopicClusterRequest, req); len(out) != 0 {
			t.Errorf("%s: the holder sealed %+v", name, out)
		}
	}
	req := keys.ClusterRequest{Cluster: 3, Worker: w.Identity(), EncryptionKey: w.EncryptionKey(), Recipient: recipientOf(t, w, registry.RoleWorker)}
	s := single[keys.ClusterShare](t, handle(t, gk, keys.TopicClusterRequest, req), keys.TopicClusterShare)
	handle(t, w, keys.TopicClusterKey, s)
	if !w.HasCluster(3) {
		t.Fatal("the genuine worker did not get the cluster's key")
	}
}
