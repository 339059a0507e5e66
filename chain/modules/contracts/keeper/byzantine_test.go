package keeper_test

import (
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"
	"time"

	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// ready is a fixture whose n workers form cluster 0 (gas price 10 units)
// and agree on a contract's key, and a funded caller.
type ready struct {
	*fixture
	contract contracts.Hash
	caller   crypto.PrivateKey
}

func newReady(t *testing.T, n int) *ready {
	t.Helper()
	f := newFixtureN(t, n)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids(), GasPrice: pha.Units(10)}); err != nil {
		t.Fatal(err)
	}
	mod := tinyModule()
	if err := f.run(f.operator, &contracts.MsgUploadCode{Gzip: gz(mod)}); err != nil {
		t.Fatal(err)
	}
	code := contracts.Hash(sha256.Sum256(mod))
	if err := f.run(f.operator, &contracts.MsgInstantiate{Code: code, Cluster: 0}); err != nil {
		t.Fatal(err)
	}
	id := contracts.ContractID(f.operator.Public().Address(), code, 0, nil)
	k, err := crypto.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	inst := contracts.ResultVote{Cluster: 0, Seq: 0, Output: k.PublicKey().Bytes(), StateRoot: contracts.InitialStateRoot(id)}
	for _, w := range f.workers {
		if err := f.post(w, contracts.TopicResult, inst); err != nil {
			t.Fatal(err)
		}
	}
	if ct, _ := f.c.Contract(f.State, id); ct.PublicKey == nil {
		t.Fatal("the contract has no key")
	}
	r := &ready{fixture: f, contract: id, caller: key(t, "caller")}
	f.fund(r.caller.Public().Address(), pha.Tokens(1))
	return r
}

// call sends a command of 1,000,000 gas (an escrow of 10,000,000 units)
// and returns its seq.
func (r *ready) call(t *testing.T) uint64 {
	t.Helper()
	if err := r.run(r.caller, &contracts.MsgCall{Contract: r.contract, Input: []byte("sealed"), GasLimit: 1_000_000}); err != nil {
		t.Fatal(err)
	}
	c, _ := r.c.Cluster(r.State, 0)
	return c.Commands - 1
}

// vote is worker i's result for seq; a liar's state root differs.
func (r *ready) vote(t *testing.T, i int, seq uint64, root byte) {
	t.Helper()
	v := contracts.ResultVote{Cluster: 0, Seq: seq, GasUsed: 400_000, Output: []byte("ct"), StateRoot: contracts.Hash{root}}
	if err := r.post(r.workers[i], contracts.TopicResult, v); err != nil {
		t.Fatalf("worker %d's vote: %v", i, err)
	}
}

// endBlocks runs the end of each block, one a second from the current
// one, while their block time is at most until (unix ns).
func (r *ready) endBlocks(t *testing.T, until int64) {
	t.Helper()
	for r.Now.UnixNano() <= until {
		r.endBlock(t)
		if r.Now.Add(time.Second).UnixNano() > until {
			return
		}
		r.Advance(time.Second)
	}
}

// closeAt runs the blocks before deadline, then the block at deadline
// exactly, and returns its height.
func (r *ready) closeAt(t *testing.T, deadline int64) int64 {
	t.Helper()
	r.endBlocks(t, deadline-1)
	r.Advance(time.Duration(deadline - r.Now.UnixNano()))
	r.endBlock(t)
	return r.Height
}

func (r *ready) endBlock(t *testing.T) {
	t.Helper()
	if err := r.EndBlock([]byte{byte(r.Height)}); err != nil {
		t.Fatal(err)
	}
}

// rekey has the cluster's workers agree on a new key for every rekey
// in the log without a result, as they do after a removal.
func (r *ready) rekey(t *testing.T) {
	t.Helper()
	c, _ := r.c.Cluster(r.State, 0)
	for seq := range c.Commands {
		cmd, _ := r.c.Command(r.State, 0, seq)
		if _, done := r.c.Result(r.State, 0, seq); done || cmd.Kind != contracts.KindRekey {
			continue
		}
		k, err := crypto.GenerateEncryptionKey()
		if err != nil {
			t.Fatal(err)
		}
		v := contracts.ResultVote{Cluster: 0, Seq: seq, Output: k.PublicKey().Bytes(), StateRoot: contracts.Hash{honest}}
		for _, w := range r.workers {
			if c.Has(w.Identity()) {
				if err := r.post(w, contracts.TopicResult, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if ct, _ := r.c.Contract(r.State, r.contract); ct.PublicKey == nil || ct.KeyGen != c.KeyGen {
		t.Fatalf("after the rekey: contract %+v, cluster generation %d", ct, c.KeyGen)
	}
}

func (r *ready) members() []crypto.PublicKey {
	c, _ := r.c.Cluster(r.State, 0)
	return c.Workers
}

func (r *ready) balance(k crypto.PrivateKey) pha.Amount {
	return bankkeeper.Keeper{}.Balance(r.State, k.Public().Address())
}

const (
	honest = 1
	lie    = 2
	lie2   = 3
)

// In clusters of three and four, one worker that lies is outvoted: the
// command settles on the honest result, the honest workers are paid and
// the liar is removed, whether it votes first or last.
func TestLiarIsOutvotedInClustersOfThreeAndFour(t *testing.T) {
	for _, tc := range []struct {
		n, liar int
		order   []int
	}{
		{3, 0, []int{0, 1, 2}}, // the liar first
		{3, 2, []int{0, 1, 2}}, // the liar after the majority
		{4, 0, []int{0, 1, 2, 3}},
		{4, 3, []int{0, 1, 2, 3}},
	} {
		r := newReady(t, tc.n)
		seq := r.call(t)
		before := r.balance(r.caller)
		r.Events = nil
		for _, i := range tc.order {
			root := byte(honest)
			if i == tc.liar {
				root = lie
			}
			r.vote(t, i, seq, root)
		}
		res, ok := r.c.Result(r.State, 0, seq)
		if !ok || res.Status != contracts.StatusOK || res.StateRoot != (contracts.Hash{honest}) {
			t.Fatalf("%d workers, liar %d: result %+v", tc.n, tc.liar, res)
		}
		// 400,000 gas × 10 units, shared by the honest workers; the rest
		// of the 10,000,000 escrow back to the caller.
		if res.Paid.Cmp(pha.Units(4_000_000)) != 0 {
			t.Fatalf("paid %s", res.Paid)
		}
		if got, _ := r.balance(r.caller).Sub(before); got.Cmp(pha.Units(6_000_000)) != 0 {
			t.Fatalf("refund %s", got)
		}
		liar := r.workers[tc.liar].Identity()
		if c, _ := r.c.Cluster(r.State, 0); c.Has(liar) || len(c.Workers) != tc.n-1 {
			t.Fatalf("%d workers, liar %d: cluster %v", tc.n, tc.liar, c.Workers)
		}
		if n := strings.Count(strings.Join(r.Events, " "), contracts.EventDisagreement); n != 1 {
			t.Fatalf("%d disagreements named in %v", n, r.Events)
		}
		// Removed, the liar's votes are refused.
		r.rekey(t)
		seq = r.call(t)
		v := contracts.ResultVote{Cluster: 0, Seq: seq, StateRoot: contracts.Hash{lie}}
		wantErr(t, "a removed worker's vote", r.post(r.workers[tc.liar], contracts.TopicResult, v), contracts.ErrNotMember)
	}
}

// Two workers that disagree: neither result has a majority, and with two
// the chain cannot tell which one lied. Nothing settles before the
// deadline; at its end the command is closed as "no majority", the
// caller is refunded the whole escrow, nobody is paid or removed, and a
// late vote changes nothing.
func TestTwoWorkersThatDisagreeAreRefundedAtTheDeadline(t *testing.T) {
	r := newReady(t, 2)
	start := r.balance(r.caller)
	seq := r.call(t)
	cmd, _ := r.c.Command(r.State, 0, seq)
	if want := cmd.Time + contracts.DefaultParams().ResultTimeout*int64(time.Second); cmd.Deadline != want {
		t.Fatalf("deadline %d, want %d", cmd.Deadline, want)
	}
	r.vote(t, 0, seq, honest)
	r.vote(t, 1, seq, lie)
	r.endBlocks(t, cmd.Deadline-1)
	if _, done := r.c.Result(r.State, 0, seq); done {
		t.Fatal("a result before the deadline without a majority")
	}
	if got := r.balance(r.caller); got.Cmp(start) >= 0 {
		t.Fatalf("no escrow held before the deadline: %s", got)
	}
	h := r.closeAt(t, cmd.Deadline)
	res, ok := r.c.Result(r.State, 0, seq)
	want := "2 of the cluster's 2 workers answered by height " + itoa(h) + " and at most 1 agreed; 2 had to agree"
	if !ok || res.Status != contracts.StatusNoMajority || !res.Paid.IsZero() || res.Message != want || res.Height != h {
		t.Fatalf("result %+v, want message %q", res, want)
	}
	if res.Reason() != "no majority: "+want {
		t.Fatalf("reason %q", res.Reason())
	}
	if got := r.balance(r.caller); got.Cmp(start) != 0 {
		t.Fatalf("caller has %s after the refund, had %s", got, start)
	}
	if got := (bankkeeper.Keeper{}).Balance(r.State, contracts.Account()); !got.IsZero() {
		t.Fatalf("the module still holds %s", got)
	}
	if len(r.members()) != 2 {
		t.Fatalf("a worker was removed: %v", r.members())
	}
	// A late vote, either way, is ignored.
	r.Events = nil
	r.vote(t, 1, seq, lie2)
	if strings.Contains(strings.Join(r.Events, " "), contracts.EventDisagreement) || len(r.members()) != 2 {
		t.Fatalf("a late vote: events %v, members %v", r.Events, r.members())
	}
	if again, _ := r.c.Result(r.State, 0, seq); again.Status != contracts.StatusNoMajority {
		t.Fatalf("the late vote changed the result: %+v", again)
	}
	// The next deadline's block has nothing left of the command.
	r.Advance(time.Second)
	r.endBlock(t)
	if err := (bankkeeper.Keeper{}).CheckSupply(r.State); err != nil {
		t.Fatal(err)
	}
}

// A 2-2 tie in a cluster of four closes as no majority at the deadline:
// refunded, and no one is punished.
func TestTieInFourIsRefundedAndPunishesNoOne(t *testing.T) {
	r := newReady(t, 4)
	start := r.balance(r.caller)
	seq := r.call(t)
	r.Events = nil
	for i, root := range []byte{honest, lie, honest, lie} {
		r.vote(t, i, seq, root)
	}
	if _, done := r.c.Result(r.State, 0, seq); done {
		t.Fatal("a tie recorded a result")
	}
	cmd, _ := r.c.Command(r.State, 0, seq)
	r.closeAt(t, cmd.Deadline)
	res, _ := r.c.Result(r.State, 0, seq)
	if res.Status != contracts.StatusNoMajority || !strings.Contains(res.Message, "4 of the cluster's 4 workers answered") || !strings.Contains(res.Message, "at most 2 agreed; 3 had to agree") {
		t.Fatalf("result %+v", res)
	}
	if got := r.balance(r.caller); got.Cmp(start) != 0 {
		t.Fatalf("caller has %s, had %s", got, start)
	}
	if len(r.members()) != 4 || strings.Contains(strings.Join(r.Events, " "), contracts.EventDisagreement) {
		t.Fatalf("members %v, events %v", r.members(), r.Events)
	}
}

// Too few answers by the deadline: closed, and the message says so; a
// command nobody answered says that.
func TestTimeoutWithTooFewVotes(t *testing.T) {
	r := newReady(t, 3)
	one := r.call(t)
	none := r.call(t)
	r.vote(t, 0, one, honest)
	cmd, _ := r.c.Command(r.State, 0, none)
	h := r.closeAt(t, cmd.Deadline)
	for seq, want := range map[uint64]string{
		one:  "1 of the cluster's 3 workers answered by height",
		none: "none of the cluster's 3 workers answered by height " + itoa(h),
	} {
		res, ok := r.c.Result(r.State, 0, seq)
		if !ok || res.Status != contracts.StatusNoMajority || !strings.HasPrefix(res.Message, want) {
			t.Fatalf("command %d: %+v, want %q", seq, res, want)
		}
	}
	if got := r.balance(r.caller); got.Cmp(pha.Tokens(1)) != 0 {
		t.Fatalf("caller has %s after two refunds", got.PHA())
	}
}

// The votes of a worker removed since it voted do not count; at the
// deadline the votes are counted again against the cluster as it is
// then, so a cluster that lost a silent worker settles after all, and
// names the worker that disagreed.
func TestVotesAreCountedAgainstTheClusterOfNow(t *testing.T) {
	r := newReady(t, 3)
	seq := r.call(t)
	r.vote(t, 0, seq, honest)
	if err := r.run(r.operator, &contracts.MsgRemoveWorker{Cluster: 0, Worker: r.workers[0].Identity()}); err != nil {
		t.Fatal(err)
	}
	r.vote(t, 1, seq, honest) // with the removed worker's vote it would be 2 of 2
	if _, done := r.c.Result(r.State, 0, seq); done {
		t.Fatal("a removed worker's vote counted")
	}
	r.vote(t, 2, seq, honest)
	if res, _ := r.c.Result(r.State, 0, seq); res.Status != contracts.StatusOK {
		t.Fatalf("result %+v", res)
	}

	r = newReady(t, 4)
	seq = r.call(t)
	r.vote(t, 0, seq, honest)
	r.vote(t, 1, seq, honest)
	r.vote(t, 2, seq, lie)
	if err := r.run(r.operator, &contracts.MsgRemoveWorker{Cluster: 0, Worker: r.workers[3].Identity()}); err != nil { // silent
		t.Fatal(err)
	}
	if _, done := r.c.Result(r.State, 0, seq); done {
		t.Fatal("settled before the deadline")
	}
	cmd, _ := r.c.Command(r.State, 0, seq)
	r.Events = nil
	r.closeAt(t, cmd.Deadline)
	res, _ := r.c.Result(r.State, 0, seq)
	if res.Status != contracts.StatusOK || res.StateRoot != (contracts.Hash{honest}) || res.Paid.Cmp(pha.Units(4_000_000)) != 0 {
		t.Fatalf("result at the deadline %+v", res)
	}
	if c, _ := r.c.Cluster(r.State, 0); len(c.Workers) != 2 || c.Has(r.workers[2].Identity()) {
		t.Fatalf("members %v", c.Workers)
	}
	if n := strings.Count(strings.Join(r.Events, " "), contracts.EventDisagreement); n != 1 {
		t.Fatalf("%d disagreements named at the deadline: %v", n, r.Events)
	}
}

// An instantiation no majority agreed on fails its contract, which then
// refuses calls with the reason.
func TestInstantiationWithoutMajorityFailsTheContract(t *testing.T) {
	r := newReady(t, 2)
	first, _ := r.c.Contract(r.State, r.contract)
	if err := r.run(r.operator, &contracts.MsgInstantiate{Code: first.Code, Cluster: 0, Salt: []byte("split")}); err != nil {
		t.Fatal(err)
	}
	id := contracts.ContractID(r.operator.Public().Address(), first.Code, 0, []byte("split"))
	c, _ := r.c.Cluster(r.State, 0)
	seq := c.Commands - 1
	for i := range 2 {
		k, _ := crypto.GenerateEncryptionKey()
		if err := r.post(r.workers[i], contracts.TopicResult, contracts.ResultVote{Cluster: 0, Seq: seq, Output: k.PublicKey().Bytes()}); err != nil {
			t.Fatal(err)
		}
	}
	cmd, _ := r.c.Command(r.State, 0, seq)
	r.closeAt(t, cmd.Deadline)
	ct, _ := r.c.Contract(r.State, id)
	if !ct.Failed() || ct.Status != contracts.StatusNoMajority || ct.PublicKey != nil {
		t.Fatalf("contract %+v", ct)
	}
	err := r.run(r.caller, &contracts.MsgCall{Contract: id, Input: []byte("x"), GasLimit: 1_000_000})
	wantErr(t, "a call to it", err, contracts.ErrFailed)
	if !strings.Contains(err.Error(), "no majority: 2 of the cluster's 2 workers answered") {
		t.Fatalf("the refusal does not say why: %v", err)
	}
}

// Only the chain closes a command as "no majority".
func TestWorkersCannotPostNoMajority(t *testing.T) {
	r := newReady(t, 1)
	seq := r.call(t)
	v := contracts.ResultVote{Cluster: 0, Seq: seq, Status: contracts.StatusNoMajority}
	wantErr(t, "a worker's no-majority vote", r.post(r.workers[0], contracts.TopicResult, v), contracts.ErrBadMsg)
	if _, done := r.c.Result(r.State, 0, seq); done {
		t.Fatal("recorded")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A liar with stake: the disagreement takes slash_wrong_result (5 %) of
// its stake to the treasury, to the unit, says so in the event and on its
// computing record, and turns it unresponsive with a challenge to answer.
func TestLiarIsSlashed(t *testing.T) {
	r := newReady(t, 3)
	liar := r.workers[2]
	if err := r.post(liar, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	r.fund(r.operator.Public().Address(), pha.Tokens(2000))
	stake := mustParse(t, "1999.999999999999PHA") // 5 % of it is not a whole number of units
	if err := r.run(r.operator, &computing.MsgStart{Worker: liar.Identity(), Stake: stake}); err != nil {
		t.Fatal(err)
	}
	treasury := crypto.ModuleAddress(computing.Treasury)
	before := bankkeeper.Keeper{}.Balance(r.State, treasury)
	seq := r.call(t)
	r.vote(t, 2, seq, lie)
	r.vote(t, 0, seq, honest)
	r.vote(t, 1, seq, honest)
	// 1,999.999999999999 PHA × 0.05 = 99.99999999999995, rounded down to
	// the unit (10^-12 PHA).
	want := mustParse(t, "99.999999999999PHA")
	if got, _ := (bankkeeper.Keeper{}).Balance(r.State, treasury).Sub(before); got.Cmp(want) != 0 {
		t.Fatalf("the treasury got %s, want %s", got.PHA(), want.PHA())
	}
	rec, _ := r.comp.Worker(r.State, liar.Identity())
	left, _ := stake.Sub(want)
	if rec.Stake.Cmp(left) != 0 || rec.Slashed.Cmp(want) != 0 || rec.WrongResults != 1 {
		t.Fatalf("the liar's record: stake %s, slashed %s, %d wrong results", rec.Stake.PHA(), rec.Slashed.PHA(), rec.WrongResults)
	}
	if rec.State != computing.Unresponsive || rec.ChallengeHeight != r.Height-1 {
		t.Fatalf("the liar is %s with a challenge of height %d", rec.State, rec.ChallengeHeight)
	}
	if err := (bankkeeper.Keeper{}).CheckSupply(r.State); err != nil {
		t.Fatal(err)
	}
}

// The event of a disagreement carries what it cost the worker.
func TestDisagreementEventSaysWhatWasSlashed(t *testing.T) {
	r := newReady(t, 3)
	liar := r.workers[0]
	if err := r.post(liar, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	r.fund(r.operator.Public().Address(), pha.Tokens(2000))
	if err := r.run(r.operator, &computing.MsgStart{Worker: liar.Identity(), Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}
	seq := r.call(t)
	r.vote(t, 1, seq, honest)
	r.vote(t, 2, seq, honest)
	r.Emitted = nil
	r.vote(t, 0, seq, lie)
	var slashed string
	for _, e := range r.Emitted {
		if e.Type == contracts.EventDisagreement {
			for _, a := range e.Attributes {
				if a.Key == contracts.AttrSlashed {
					slashed = a.Value
				}
			}
		}
	}
	if slashed != pha.Tokens(100).String() {
		t.Fatalf("the disagreement says %q was slashed, want %s", slashed, pha.Tokens(100))
	}
}

func mustParse(t *testing.T, s string) pha.Amount {
	t.Helper()
	a, err := pha.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A cluster created with a minimum size refuses calls and instantiations
// with a typed error saying how many workers it has and needs, once a
// liar's removal takes it below; its owner adding a worker lifts it.
func TestClusterBelowItsMinimumRefusesCommands(t *testing.T) {
	f := newFixtureN(t, 4)
	ids := f.ids()
	wantErr(t, "a minimum above the workers", f.run(f.operator, &contracts.MsgCreateCluster{Workers: ids[:3], MinWorkers: 4}), contracts.ErrClusterTooSmall)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: ids[:3], GasPrice: pha.Units(10), MinWorkers: 3}); err != nil {
		t.Fatal(err)
	}
	mod := tinyModule()
	if err := f.run(f.operator, &contracts.MsgUploadCode{Gzip: gz(mod)}); err != nil {
		t.Fatal(err)
	}
	code := contracts.Hash(sha256.Sum256(mod))
	if err := f.run(f.operator, &contracts.MsgInstantiate{Code: code, Cluster: 0}); err != nil {
		t.Fatal(err)
	}
	id := contracts.ContractID(f.operator.Public().Address(), code, 0, nil)
	k, _ := crypto.GenerateEncryptionKey()
	inst := contracts.ResultVote{Cluster: 0, Seq: 0, Output: k.PublicKey().Bytes(), StateRoot: contracts.InitialStateRoot(id)}
	for i, w := range f.workers[:3] {
		v := inst
		if i == 2 {
			v.StateRoot = contracts.Hash{lie} // the liar: removed, 2 of 3 left
		}
		if err := f.post(w, contracts.TopicResult, v); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := f.c.Cluster(f.State, 0); len(c.Workers) != 2 {
		t.Fatalf("cluster %v", c.Workers)
	}
	caller := key(t, "caller")
	f.fund(caller.Public().Address(), pha.Tokens(1))
	err := f.run(caller, &contracts.MsgCall{Contract: id, Input: []byte("x"), GasLimit: 1_000_000})
	wantErr(t, "a call below the minimum", err, contracts.ErrClusterTooSmall)
	if want := "cluster 0 has 2 workers and takes commands with at least 3: its owner must add workers"; !strings.Contains(err.Error(), want) {
		t.Fatalf("the refusal %q does not say %q", err, want)
	}
	wantErr(t, "an instantiation below the minimum", f.run(f.operator, &contracts.MsgInstantiate{Code: code, Cluster: 0, Salt: []byte("2")}), contracts.ErrClusterTooSmall)
	if got := (bankkeeper.Keeper{}).Balance(f.State, caller.Public().Address()); got.Cmp(pha.Tokens(1)) != 0 {
		t.Fatalf("the refused call cost %s", got.PHA())
	}
	// Logged: the instantiation, and the rekey the liar's removal began.
	if c, _ := f.c.Cluster(f.State, 0); c.Commands != 2 {
		t.Fatalf("refused commands were logged: %d", c.Commands)
	}
	if err := f.run(f.operator, &contracts.MsgAddWorker{Cluster: 0, Worker: ids[3]}); err != nil {
		t.Fatal(err)
	}
	k2, _ := crypto.GenerateEncryptionKey()
	for _, w := range f.workers[:2] {
		if err := f.post(w, contracts.TopicResult, contracts.ResultVote{Cluster: 0, Seq: 1, Output: k2.PublicKey().Bytes(), StateRoot: inst.StateRoot}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.run(caller, &contracts.MsgCall{Contract: id, Input: []byte("x"), GasLimit: 1_000_000}); err != nil {
		t.Fatalf("a call after the owner added a worker: %v", err)
	}
}

// A rekey no majority agrees on by its deadline does not fail the
// contract: it is logged again, and the contract takes calls once the
// workers agree.
func TestRekeyWithoutMajorityIsAskedAgain(t *testing.T) {
	r := newReady(t, 3)
	if err := r.run(r.operator, &contracts.MsgRemoveWorker{Cluster: 0, Worker: r.workers[2].Identity()}); err != nil {
		t.Fatal(err)
	}
	c, _ := r.c.Cluster(r.State, 0)
	first, _ := r.c.Command(r.State, 0, c.Commands-1)
	r.closeAt(t, first.Deadline)
	if res, ok := r.c.Result(r.State, 0, first.Seq); !ok || res.Status != contracts.StatusNoMajority {
		t.Fatalf("the rekey at its deadline: %+v", res)
	}
	c, _ = r.c.Cluster(r.State, 0)
	again, _ := r.c.Command(r.State, 0, c.Commands-1)
	if again.Seq != first.Seq+1 || again.Kind != contracts.KindRekey || again.KeyGen != 1 {
		t.Fatalf("the rekey was not asked again: %+v", again)
	}
	if ct, _ := r.c.Contract(r.State, r.contract); ct.Failed() || ct.PublicKey != nil {
		t.Fatalf("the contract after a rekey without majority: %+v", ct)
	}
	r.rekey(t)
	r.call(t)
}
