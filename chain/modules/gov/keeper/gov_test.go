package keeper_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/module"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	govkeeper "github.com/phalanx-net/phalanx/chain/modules/gov/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	stakingkeeper "github.com/phalanx-net/phalanx/chain/modules/staking/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee"
)

// noGatekeepers: the staking keeper's registry and keys, which no test
// here needs (nobody is elected).
type noGatekeepers struct{}

func (noGatekeepers) Gatekeepers(store.Reader, func(registry.Enclave) bool) {}
func (noGatekeepers) SetValidator(store.KV, crypto.Address)                 {}
func (noGatekeepers) Retire(store.KV, crypto.Address)                       {}
func (noGatekeepers) HoldsCurrentMaster(store.Reader, crypto.PublicKey) bool {
	return false
}

type bench struct {
	*modtest.Env
	gov     *govkeeper.Keeper
	staking *stakingkeeper.Keeper
	// big and small are candidates (20,000 and 10,000 PHA of their own);
	// holder nominates small with 5,000.
	big, small, holder, poor crypto.PrivateKey
	council                  crypto.Address
}

func newBench(t *testing.T) *bench {
	t.Helper()
	e := modtest.New(t)
	st := stakingkeeper.NewKeeper(noGatekeepers{}, noGatekeepers{})
	g := govkeeper.NewKeeper(st, registrykeeper.Records{})
	mods := []module.Module{bankkeeper.Module{}, stakingkeeper.Module{Keeper: st}, govkeeper.Module{Keeper: g}}
	e.Use(mods...)
	// The registry's parameters change through it; its end of block
	// (which needs the message queue) is not run here.
	g.UseParams(append(mods, registrykeeper.Module{}))
	b := &bench{Env: e, gov: g, staking: st, big: modtest.Key("big"), small: modtest.Key("small"), holder: modtest.Key("holder"),
		poor: modtest.Key("poor"), council: modtest.Key("council").Public().Address()}
	if err := st.InitGenesis(e.Ctx(), staking.DefaultGenesis(), module.ChainGenesis{}); err != nil {
		t.Fatal(err)
	}
	if err := g.InitGenesis(e.Ctx(), gov.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	rg := e.RegistryGenesis(b.council)
	registrykeeper.Records{}.SetParams(e.State, rg.Params)
	for _, k := range []crypto.PrivateKey{b.big, b.small, b.holder} {
		e.Fund(k.Public().Address(), pha.Tokens(50_000))
	}
	e.Fund(b.poor.Public().Address(), pha.Tokens(10))
	b.must(b.big, &staking.MsgBond{ConsensusKey: consKey("big"), Amount: pha.Tokens(20_000)})
	b.must(b.small, &staking.MsgBond{ConsensusKey: consKey("small"), Amount: pha.Tokens(10_000)})
	b.must(b.holder, &staking.MsgNominate{Candidate: b.small.Public().Address(), Amount: pha.Tokens(5_000)})
	return b
}

func consKey(name string) []byte {
	pk := modtest.Key("consensus " + name).Public()
	return pk[:]
}

func (b *bench) must(k crypto.PrivateKey, m module.Msg) {
	b.T.Helper()
	if err := b.Run(k, m); err != nil {
		b.T.Fatalf("%s: %v", m.Type(), err)
	}
}

// submit submits a proposal with the minimum deposit and returns its id.
func (b *bench) submit(c gov.Content) uint64 {
	b.T.Helper()
	id := b.nextID()
	b.must(b.big, &gov.MsgSubmit{Title: "a proposal", Content: c, Deposit: b.gov.Params(b.State).MinDeposit})
	return id
}

func (b *bench) nextID() uint64 {
	var n uint64
	b.State.Iterate(gov.ProposalPrefix(), func([]byte, []byte) bool { n++; return true })
	return n
}

// endVoting runs the clock past the voting period and ends the block.
func (b *bench) endVoting() {
	b.T.Helper()
	b.Advance(time.Duration(b.gov.Params(b.State).VotingPeriod) * time.Second)
	if err := b.EndBlock(nil); err != nil {
		b.T.Fatal(err)
	}
	if err := (bankkeeper.Keeper{}).CheckSupply(b.State); err != nil {
		b.T.Fatal(err)
	}
	if held := b.Balance(gov.Account()); !held.IsZero() {
		b.T.Fatalf("the module account holds %s with no proposal open", held.PHA())
	}
}

func (b *bench) proposal(id uint64) gov.Proposal {
	p, ok := b.gov.Proposal(b.State, id)
	if !ok {
		b.T.Fatalf("no proposal %d", id)
	}
	return p
}

func changes(s string) *gov.ParamChange {
	return &gov.ParamChange{Module: "staking", Changes: json.RawMessage(s)}
}

// A change of staking's parameters passes by stake and takes effect at
// the end of its voting period: the nominator's own vote overrides its
// candidate's for its stake.
func TestParamChangePasses(t *testing.T) {
	b := newBench(t)
	id := b.submit(gov.Content{Params: changes(`{"max_validators": 50}`)})
	if p := b.proposal(id); p.Status != gov.VotingPeriod {
		t.Fatalf("with the minimum deposit: %s", p.Status)
	}
	before := b.Balance(b.big.Public().Address())
	b.must(b.big, &gov.MsgVote{Proposal: id, Option: gov.Yes})
	b.must(b.small, &gov.MsgVote{Proposal: id, Option: gov.Yes})
	b.must(b.small, &gov.MsgVote{Proposal: id, Option: gov.No}) // a later vote replaces it
	b.must(b.holder, &gov.MsgVote{Proposal: id, Option: gov.Yes})
	running := b.gov.Tally(b.State, id)
	want := gov.TallyResult{Yes: pha.Tokens(25_000), No: pha.Tokens(10_000), Bonded: pha.Tokens(35_000)}
	if running != want {
		t.Fatalf("tally %+v, want %+v", running, want)
	}
	b.endVoting()
	p := b.proposal(id)
	if p.Status != gov.Passed || p.Tally == nil || *p.Tally != want {
		t.Fatalf("proposal %+v", p)
	}
	if got := b.staking.Params(b.State).MaxValidators; got != 50 {
		t.Fatalf("max_validators %d after the change passed", got)
	}
	if got := b.Balance(b.big.Public().Address()); got.Cmp(before) <= 0 {
		t.Fatalf("deposit not paid back: %s, before %s", got.PHA(), before.PHA())
	}
	if votes := b.gov.Votes(b.State, id); len(votes) != 0 {
		t.Fatalf("%d votes kept after the tally", len(votes))
	}
}

// Too little stake votes: the proposal fails quorum, changes nothing,
// and its deposit comes back. A vetoed one's deposit goes to the
// treasury.
func TestQuorumAndVeto(t *testing.T) {
	b := newBench(t)
	id := b.submit(gov.Content{Params: changes(`{"max_validators": 50}`)})
	b.must(b.holder, &gov.MsgVote{Proposal: id, Option: gov.Yes}) // 5,000 of 35,000
	b.endVoting()
	if p := b.proposal(id); p.Status != gov.Rejected || !strings.Contains(p.Reason, "no quorum") {
		t.Fatalf("proposal %s: %s", p.Status, p.Reason)
	}
	if got := b.staking.Params(b.State).MaxValidators; got != staking.DefaultParams().MaxValidators {
		t.Fatalf("max_validators %d after a failed proposal", got)
	}

	treasury := b.Balance(govkeeper.Treasury())
	id = b.submit(gov.Content{})
	b.must(b.big, &gov.MsgVote{Proposal: id, Option: gov.Yes})
	b.must(b.small, &gov.MsgVote{Proposal: id, Option: gov.Veto}) // 15,000 of 35,000 > 33.4 %
	b.endVoting()
	if p := b.proposal(id); p.Status != gov.Vetoed {
		t.Fatalf("proposal %s: %s", p.Status, p.Reason)
	}
	got, _ := b.Balance(govkeeper.Treasury()).Sub(treasury)
	if got.Cmp(b.gov.Params(b.State).MinDeposit) != 0 {
		t.Fatalf("the treasury got %s of a vetoed deposit", got.PHA())
	}
}

// A proposal whose deposits do not reach the minimum in time expires,
// and each depositor gets its own back.
func TestDepositPeriodExpires(t *testing.T) {
	b := newBench(t)
	id := b.nextID()
	b.must(b.big, &gov.MsgSubmit{Title: "short", Deposit: pha.Tokens(100)})
	b.must(b.holder, &gov.MsgDeposit{Proposal: id, Amount: pha.Tokens(200)})
	if err := b.Run(b.holder, &gov.MsgVote{Proposal: id, Option: gov.Yes}); !errors.Is(err, gov.ErrNotVoting) {
		t.Fatalf("a vote in the deposit period: %v", err)
	}
	holder := b.Balance(b.holder.Public().Address())
	b.Advance(time.Duration(b.gov.Params(b.State).MaxDepositPeriod) * time.Second)
	b.endVoting()
	if p := b.proposal(id); p.Status != gov.Expired || p.Deposit.Cmp(pha.Tokens(300)) != 0 {
		t.Fatalf("proposal %+v", p)
	}
	if got, _ := b.Balance(b.holder.Public().Address()).Sub(holder); got.Cmp(pha.Tokens(200)) != 0 {
		t.Fatalf("the second depositor got %s back", got.PHA())
	}

	// Deposits that reach the minimum open the voting period; a deposit
	// after that is refused.
	id = b.nextID()
	b.must(b.big, &gov.MsgSubmit{Title: "later", Deposit: pha.Tokens(400)})
	b.must(b.holder, &gov.MsgDeposit{Proposal: id, Amount: pha.Tokens(600)})
	if p := b.proposal(id); p.Status != gov.VotingPeriod {
		t.Fatalf("at the minimum: %s", p.Status)
	}
	if err := b.Run(b.holder, &gov.MsgDeposit{Proposal: id, Amount: pha.Tokens(1)}); !errors.Is(err, gov.ErrNotDepositing) {
		t.Fatalf("a deposit in the voting period: %v", err)
	}
	b.endVoting()
}

// What cannot be carried out is refused when it is submitted, and takes
// nobody's deposit.
func TestSubmitRefusals(t *testing.T) {
	b := newBench(t)
	spender := modtest.Key("spender").Public().Address()
	for name, c := range map[string]gov.Content{
		"a field staking does not have": {Params: changes(`{"max_validator": 50}`)},
		"a value staking refuses":       {Params: changes(`{"max_validators": 0}`)},
		"a float":                       {Params: changes(`{"max_validators": 1.5}`)},
		"a module without parameters":   {Params: &gov.ParamChange{Module: "bank", Changes: json.RawMessage(`{}`)}},
		"a spend beyond the treasury":   {Spend: &gov.Spend{To: spender, Amount: pha.Tokens(1)}},
		"an upgrade in the past":        {Upgrade: &gov.Upgrade{Name: "v2", Height: 1}},
		"removing what is not listed":   {Allowlist: &gov.AllowlistChange{Remove: []registry.Measurement{{Platform: tee.TDX, Value: []byte{1}}}}},
		"adding what is listed":         {Allowlist: &gov.AllowlistChange{Add: b.registryParams().Measurements}},
	} {
		before := b.Balance(b.big.Public().Address())
		err := b.Run(b.big, &gov.MsgSubmit{Title: "refused", Content: c, Deposit: pha.Tokens(1_000)})
		if !errors.Is(err, gov.ErrBadContent) {
			t.Errorf("%s: %v", name, err)
		}
		if b.Balance(b.big.Public().Address()).Cmp(before) != 0 {
			t.Errorf("%s took a deposit", name)
		}
	}
	if err := b.Run(b.poor, &gov.MsgSubmit{Title: "poor", Deposit: pha.Tokens(1_000)}); err == nil {
		t.Fatal("a deposit beyond the balance")
	}
	if err := b.Run(b.big, &gov.MsgVote{Proposal: 7, Option: gov.Yes}); !errors.Is(err, gov.ErrNoProposal) {
		t.Fatalf("a vote on no proposal: %v", err)
	}
	if n := b.nextID(); n != 0 {
		t.Fatalf("%d proposals recorded", n)
	}
}

func (b *bench) registryParams() registry.Params { return registrykeeper.Records{}.Params(b.State) }

// pass votes a proposal through with every candidate's stake.
func (b *bench) pass(c gov.Content) gov.Proposal {
	b.T.Helper()
	id := b.submit(c)
	b.must(b.big, &gov.MsgVote{Proposal: id, Option: gov.Yes})
	b.must(b.small, &gov.MsgVote{Proposal: id, Option: gov.Yes})
	b.endVoting()
	return b.proposal(id)
}

// A treasury spend pays; the allowlist changes compose; the council
// retires by a change of the registry's parameters; an upgrade is
// planned.
func TestProposalKinds(t *testing.T) {
	b := newBench(t)
	to := modtest.Key("grantee").Public().Address()
	b.Fund(govkeeper.Treasury(), pha.Tokens(5_000))
	if p := b.pass(gov.Content{Spend: &gov.Spend{To: to, Amount: pha.Tokens(3_000)}}); p.Status != gov.Passed {
		t.Fatalf("spend: %s %s", p.Status, p.Reason)
	}
	if got := b.Balance(to); got.Cmp(pha.Tokens(3_000)) != 0 {
		t.Fatalf("the grantee has %s", got.PHA())
	}
	// Of two spends decided in one block, in the order their voting
	// ended, the second finds the treasury short: it fails, and pays
	// nothing.
	first := b.submit(gov.Content{Spend: &gov.Spend{To: to, Amount: pha.Tokens(2_000)}})
	b.must(b.big, &gov.MsgVote{Proposal: first, Option: gov.Yes})
	second := b.pass(gov.Content{Spend: &gov.Spend{To: to, Amount: pha.Tokens(1_500)}})
	if p := b.proposal(first); p.Status != gov.Passed {
		t.Fatalf("the first spend: %s %s", p.Status, p.Reason)
	}
	if second.Status != gov.Failed || !strings.Contains(second.Reason, "insufficient") {
		t.Fatalf("a spend beyond the treasury: %s %s", second.Status, second.Reason)
	}
	if got := b.Balance(to); got.Cmp(pha.Tokens(5_000)) != 0 {
		t.Fatalf("the grantee has %s", got.PHA())
	}

	tdx := registry.Measurement{Platform: tee.TDX, Value: make([]byte, 48), Note: "release 2"}
	sim := b.registryParams().Measurements[0]
	if p := b.pass(gov.Content{Allowlist: &gov.AllowlistChange{Add: []registry.Measurement{tdx}, Remove: []registry.Measurement{sim}}}); p.Status != gov.Passed {
		t.Fatalf("allowlist: %s %s", p.Status, p.Reason)
	}
	if got := b.registryParams().Measurements; len(got) != 1 || got[0].Platform != tee.TDX {
		t.Fatalf("allowlist %+v", got)
	}

	var none crypto.Address
	if p := b.pass(gov.Content{Params: &gov.ParamChange{Module: "registry", Changes: json.RawMessage(`{"council": "` + none.String() + `"}`)}}); p.Status != gov.Passed {
		t.Fatalf("retiring the council: %s %s", p.Status, p.Reason)
	}
	if c := b.registryParams().Council; !c.IsZero() {
		t.Fatalf("the council is %s", c)
	}

	if p := b.pass(gov.Content{Upgrade: &gov.Upgrade{Name: "v2", Height: 1_000, Info: "phalanx 2.0"}}); p.Status != gov.Passed {
		t.Fatalf("upgrade: %s %s", p.Status, p.Reason)
	}
	if u, ok := b.gov.Upgrade(b.State); !ok || u.Name != "v2" || u.Height != 1_000 {
		t.Fatalf("planned upgrade %+v %v", u, ok)
	}
	// Governance changes its own parameters too.
	if p := b.pass(gov.Content{Params: &gov.ParamChange{Module: "gov", Changes: json.RawMessage(`{"voting_period": 60}`)}}); p.Status != gov.Passed {
		t.Fatalf("gov params: %s %s", p.Status, p.Reason)
	}
	if got := b.gov.Params(b.State).VotingPeriod; got != 60 {
		t.Fatalf("voting_period %d", got)
	}
}

// max_open bounds the proposals open at once.
func TestMaxOpen(t *testing.T) {
	b := newBench(t)
	b.pass(gov.Content{Params: &gov.ParamChange{Module: "gov", Changes: json.RawMessage(`{"max_open": 2}`)}})
	b.must(b.big, &gov.MsgSubmit{Title: "one"})
	b.must(b.big, &gov.MsgSubmit{Title: "two"})
	if err := b.Run(b.big, &gov.MsgSubmit{Title: "three"}); !errors.Is(err, gov.ErrTooMany) {
		t.Fatalf("a third open proposal: %v", err)
	}
}
