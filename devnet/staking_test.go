package devnet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// Elections change CometBFT's validator set on a running network: the
// four genesis validators bond different stakes, and at the next epoch
// CometBFT runs with powers from stake; one unbonds all, and at the next
// epoch the set is the other three. Blocks go on throughout.
func TestElectionsChangeTheValidatorSet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	params := staking.DefaultParams()
	params.EpochBlocks, params.MinSelfBond, params.UnbondingTime, params.MinValidators = 10, pha.Tokens(100), 30, 3
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 4, BlockTime: 100 * time.Millisecond, Staking: &params, NoGenesisStake: true})
	rpc := d.Info.Gatekeepers[0].RPC
	cl, err := client.New(rpc)
	if err != nil {
		t.Fatal(err)
	}
	comet, err := rpchttp.New(rpc)
	if err != nil {
		t.Fatal(err)
	}
	// powers returns CometBFT's validator set at the latest height, by
	// consensus key.
	powers := func() map[string]int64 {
		t.Helper()
		res, err := comet.Validators(ctx, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, v := range res.Validators {
			out[string(v.PubKey.Bytes())] = v.VotingPower
		}
		return out
	}
	want := map[string]int64{}
	for i := 0; i < 4; i++ {
		key, err := d.Gatekeeper(i).ValidatorAccountKey()
		if err != nil {
			t.Fatal(err)
		}
		stake := uint64(100 * (i + 1))
		pk := key.Public()
		if err := submitRetrying(ctx, cl, key, &staking.MsgBond{ConsensusKey: pk[:], Amount: pha.Tokens(stake)}); err != nil {
			t.Fatalf("gk%d bonds: %v", i, err)
		}
		want[string(pk[:])] = int64(stake)
	}
	wait := func(what string, ok func(map[string]int64) bool) {
		t.Helper()
		for {
			p := powers()
			if ok(p) {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s: CometBFT's set is %v", what, p)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	same := func(want map[string]int64) func(map[string]int64) bool {
		return func(p map[string]int64) bool {
			if len(p) != len(want) {
				return false
			}
			for k, v := range want {
				if p[k] != v {
					return false
				}
			}
			return true
		}
	}
	wait("powers from stake", same(want))

	last, err := d.Gatekeeper(3).ValidatorAccountKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := submitRetrying(ctx, cl, last, &staking.MsgUnbond{Candidate: last.Public().Address(), Amount: pha.Tokens(400)}); err != nil {
		t.Fatalf("gk3 unbonds: %v", err)
	}
	pk := last.Public()
	delete(want, string(pk[:]))
	wait("gk3 leaving the set", same(want))
	st, err := comet.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WaitHeight(ctx, st.SyncInfo.LatestBlockHeight+5); err != nil {
		t.Fatalf("blocks after the set shrank: %v", err)
	}
}

// submitRetrying sends m from a genesis validator's account, which its
// gatekeeper's enclave service also sends from: a nonce the service took
// first is tried again with the next.
func submitRetrying(ctx context.Context, cl *client.Client, key crypto.PrivateKey, m module.Msg) error {
	for {
		_, err := cl.Submit(ctx, key, []module.Msg{m}, client.TxOptions{})
		if err == nil || !errors.Is(err, tx.ErrStaleNonce) && !errors.Is(err, tx.ErrFutureNonce) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
