package app

import (
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/phalanx-net/phalanx/chain/module"
)

// The block's validator updates go to CometBFT as ed25519 keys.
func TestABCIValidatorUpdates(t *testing.T) {
	if abciValidatorUpdates(nil) != nil {
		t.Fatal("no updates must be nil, not empty")
	}
	key := alice.Public()
	u := abciValidatorUpdates([]module.ValidatorUpdate{{Key: key, Power: 7}})
	if len(u) != 1 || u[0].PubKeyType != "ed25519" || string(u[0].PubKeyBytes) != string(key[:]) || u[0].Power != 7 {
		t.Fatalf("%+v", u)
	}
}

// Only the validators that signed the last block are paid for it.
func TestSignersAreTheCommittingValidators(t *testing.T) {
	h := newHarness(t)
	a, b := alice.Public().Address(), poor.Public().Address()
	votes := []abci.VoteInfo{
		{Validator: abci.Validator{Address: a[:], Power: 10}, BlockIdFlag: cmttypes.BlockIDFlagCommit},
		{Validator: abci.Validator{Address: b[:], Power: 10}, BlockIdFlag: cmttypes.BlockIDFlagAbsent},
		{Validator: abci.Validator{Address: []byte{1, 2}, Power: 10}, BlockIdFlag: cmttypes.BlockIDFlagCommit},
	}
	got := signers(h.app.tree, votes)
	if len(got) != 1 || got[0].Account != a || got[0].Power != 10 {
		t.Fatalf("signers %+v", got)
	}
}
