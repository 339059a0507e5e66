package keeper

import (
	"encoding/binary"
	"slices"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/store"
)

// Keeper reads and writes proposals, deposits and votes.
type Keeper struct {
	bank     bankkeeper.Keeper
	stakes   Stakes
	registry Registry
	params   map[string]module.HasParams // by module name, set by UseParams
}

// Stakes is what the keeper needs of the staking module: the ledger the
// votes are weighted by.
type Stakes interface {
	Candidates(r store.Reader, fn func(staking.Candidate) bool)
	Nominations(r store.Reader, fn func(staking.Nomination) bool)
}

// Registry is what the keeper needs of the registry: its parameters, for
// allowlist changes.
type Registry interface {
	Params(r store.Reader) registry.Params
	UpdateParams(kv store.KV, p registry.Params)
}

// NewKeeper returns the keeper. UseParams gives it the modules whose
// parameters it may change.
func NewKeeper(s Stakes, r Registry) *Keeper {
	return &Keeper{stakes: s, registry: r, params: map[string]module.HasParams{}}
}

// UseParams makes every module of mods with parameters (module.HasParams)
// one whose parameters proposals may change.
func (k *Keeper) UseParams(mods []module.Module) {
	for _, m := range mods {
		if p, ok := m.(module.HasParams); ok {
			k.params[m.Name()] = p
		}
	}
}

// ParamModules returns the names of the modules whose parameters
// proposals may change, sorted.
func (k *Keeper) ParamModules() []string {
	var out []string
	for n := range k.params {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Params returns the parameters.
func (*Keeper) Params(r store.Reader) gov.Params {
	v := r.Get(gov.ParamsKey())
	if v == nil {
		return gov.DefaultParams()
	}
	var p gov.Params
	store.MustDecode(v, &p)
	return p
}

// Proposal returns a proposal.
func (*Keeper) Proposal(r store.Reader, id uint64) (gov.Proposal, bool) {
	v := r.Get(gov.ProposalKey(id))
	if v == nil {
		return gov.Proposal{}, false
	}
	var p gov.Proposal
	store.MustDecode(v, &p)
	return p, true
}

// Votes returns a proposal's votes, in voter order.
func (*Keeper) Votes(r store.Reader, id uint64) []gov.Vote {
	var out []gov.Vote
	r.Iterate(gov.VotePrefix(&id), func(_, v []byte) bool {
		var vote gov.Vote
		store.MustDecode(v, &vote)
		out = append(out, vote)
		return true
	})
	return out
}

// Deposits returns a proposal's deposits, in depositor order.
func (*Keeper) Deposits(r store.Reader, id uint64) []gov.Deposit {
	var out []gov.Deposit
	r.Iterate(gov.DepositPrefix(&id), func(_, v []byte) bool {
		var d gov.Deposit
		store.MustDecode(v, &d)
		out = append(out, d)
		return true
	})
	return out
}

// Tally counts a proposal's votes against the staking ledger as it is
// now: the final count when its voting period ends, a running one before.
func (k *Keeper) Tally(r store.Reader, id uint64) gov.TallyResult {
	t := gov.NewTallier(k.Votes(r, id))
	k.stakes.Candidates(r, func(c staking.Candidate) bool { t.Candidate(c); return true })
	k.stakes.Nominations(r, func(n staking.Nomination) bool { t.Nomination(n); return true })
	return t.Result()
}

// Upgrade returns the planned upgrade, if any.
func (*Keeper) Upgrade(r store.Reader) (gov.Upgrade, bool) {
	v := r.Get(gov.UpgradeKey())
	if v == nil {
		return gov.Upgrade{}, false
	}
	var u gov.Upgrade
	store.MustDecode(v, &u)
	return u, true
}

func set(kv store.KV, key []byte, v any) { kv.Set(key, codec.MustMarshal(v)) }

func readU64(r store.Reader, key []byte) uint64 {
	if v := r.Get(key); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func writeU64(kv store.KV, key []byte, n uint64) { kv.Set(key, binary.BigEndian.AppendUint64(nil, n)) }
