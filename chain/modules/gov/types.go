package gov

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/internal/safetext"
)

// ModuleName is the module's name: its codespace, state prefix and module
// account, which holds the deposits of proposals not yet decided.
const ModuleName = "gov"

// Account is the module account.
func Account() crypto.Address { return crypto.ModuleAddress(ModuleName) }

// Errors.
var (
	ErrBadMsg        = module.DefineError(ModuleName, 1, "invalid governance message")
	ErrNoProposal    = module.DefineError(ModuleName, 2, "no such proposal")
	ErrNotVoting     = module.DefineError(ModuleName, 3, "proposal is not in its voting period")
	ErrNotDepositing = module.DefineError(ModuleName, 4, "proposal takes no more deposits")
	ErrBadParams     = module.DefineError(ModuleName, 5, "invalid governance parameters")
	ErrBadContent    = module.DefineError(ModuleName, 6, "proposal cannot be carried out")
	ErrTooMany       = module.DefineError(ModuleName, 7, "too many proposals open")
)

// Limits on a proposal's text and content.
const (
	MaxTitle      = 140
	MaxSummary    = 10_000
	MaxChanges    = 8 << 10 // a parameter change's JSON
	MaxMeasures   = 64      // measurements an allowlist change adds or removes
	MaxUpgradeLen = 64      // an upgrade's name
	MaxInfo       = 1 << 10 // an upgrade's info
)

// Params are the module's parameters. The fractions are in basis points.
type Params struct {
	// MinDeposit is what a proposal's deposits must reach for it to be
	// voted on, within MaxDepositPeriod seconds of its submission.
	MinDeposit       pha.Amount `cbor:"1,keyasint" json:"min_deposit"`
	MaxDepositPeriod int64      `cbor:"2,keyasint" json:"max_deposit_period"`
	// VotingPeriod is how long, in seconds of block time, a proposal is
	// open to votes.
	VotingPeriod int64 `cbor:"3,keyasint" json:"voting_period"`
	// QuorumBP is the share of all bonded stake that must vote;
	// ThresholdBP the share of yes among the votes other than abstain
	// that a proposal must exceed; VetoBP the share of veto among all
	// votes above which a proposal is vetoed.
	QuorumBP    uint32 `cbor:"4,keyasint" json:"quorum_bp"`
	ThresholdBP uint32 `cbor:"5,keyasint" json:"threshold_bp"`
	VetoBP      uint32 `cbor:"6,keyasint" json:"veto_bp"`
	// MaxOpen bounds the proposals in their deposit or voting period, so
	// that the end-of-block work stays bounded.
	MaxOpen uint32 `cbor:"7,keyasint" json:"max_open"`
}

// DefaultParams are Cosmos SDK's x/gov defaults where it has them: a
// deposit period of 2 days, a voting period of 5, a quorum of 33.4 %, a
// threshold of 50 % and a veto of 33.4 %; 1,000 PHA of deposit; at most
// 100 proposals open.
func DefaultParams() Params {
	return Params{MinDeposit: pha.Tokens(1_000), MaxDepositPeriod: 2 * 24 * 3600, VotingPeriod: 5 * 24 * 3600,
		QuorumBP: 3_340, ThresholdBP: 5_000, VetoBP: 3_340, MaxOpen: 100}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	switch {
	case p.MinDeposit.IsZero():
		return ErrBadParams.Wrap("min_deposit must be positive")
	case p.MaxDepositPeriod <= 0 || p.VotingPeriod <= 0:
		return ErrBadParams.Wrap("max_deposit_period and voting_period must be positive")
	case p.MaxDepositPeriod > maxPeriod || p.VotingPeriod > maxPeriod:
		return ErrBadParams.Wrap("max_deposit_period and voting_period must be at most a year")
	case p.QuorumBP == 0 || p.QuorumBP > 10_000:
		return ErrBadParams.Wrap("quorum_bp must be 1 to 10,000")
	case p.ThresholdBP == 0 || p.ThresholdBP >= 10_000:
		return ErrBadParams.Wrap("threshold_bp must be 1 to 9,999")
	case p.VetoBP == 0 || p.VetoBP > 10_000:
		return ErrBadParams.Wrap("veto_bp must be 1 to 10,000")
	case p.MaxOpen == 0 || p.MaxOpen > 10_000:
		return ErrBadParams.Wrap("max_open must be 1 to 10,000")
	}
	return nil
}

const maxPeriod = 365 * 24 * 3600

// Option is a vote.
type Option uint8

// The options.
const (
	Yes Option = iota + 1
	Abstain
	No
	Veto
)

var optionNames = [...]string{Yes: "yes", Abstain: "abstain", No: "no", Veto: "veto"}

func (o Option) String() string {
	if o >= Yes && o <= Veto {
		return optionNames[o]
	}
	return "option(" + itoa(uint64(o)) + ")"
}

// Valid reports whether o is one of the options.
func (o Option) Valid() bool { return o >= Yes && o <= Veto }

// ParseOption parses yes, abstain, no or veto (no_with_veto too, as the
// Cosmos SDK names it).
func ParseOption(s string) (Option, error) {
	switch strings.ToLower(s) {
	case "yes":
		return Yes, nil
	case "abstain":
		return Abstain, nil
	case "no":
		return No, nil
	case "veto", "no_with_veto", "nowithveto":
		return Veto, nil
	}
	return 0, ErrBadMsg.Wrap("vote %q: want yes, abstain, no or veto", s)
}

// MarshalText implements encoding.TextMarshaler, for JSON.
func (o Option) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Option) UnmarshalText(b []byte) error {
	v, err := ParseOption(string(b))
	*o = v
	return err
}

// Status is where a proposal is in its life.
type Status uint8

// The statuses. A proposal in DepositPeriod or VotingPeriod is open; the
// others are final.
const (
	DepositPeriod Status = iota + 1
	VotingPeriod
	Passed   // carried out
	Rejected // no quorum, or not enough yes
	Vetoed   // deposits to the treasury
	Failed   // passed, but could not be carried out (Proposal.Reason)
	Expired  // its deposits did not reach min_deposit in time
)

var statusNames = [...]string{DepositPeriod: "deposit_period", VotingPeriod: "voting_period", Passed: "passed",
	Rejected: "rejected", Vetoed: "vetoed", Failed: "failed", Expired: "expired"}

func (s Status) String() string {
	if s >= DepositPeriod && s <= Expired {
		return statusNames[s]
	}
	return "status(" + itoa(uint64(s)) + ")"
}

// Open reports whether the proposal takes deposits or votes.
func (s Status) Open() bool { return s == DepositPeriod || s == VotingPeriod }

// MarshalText implements encoding.TextMarshaler, for JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n != "" && n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return ErrBadMsg.Wrap("status %q", b)
}

// Content is what a proposal carries out if it passes: at most one of
// its fields is set; none is a text proposal.
type Content struct {
	Params    *ParamChange     `cbor:"1,keyasint,omitempty" json:"params,omitempty"`
	Allowlist *AllowlistChange `cbor:"2,keyasint,omitempty" json:"allowlist,omitempty"`
	Spend     *Spend           `cbor:"3,keyasint,omitempty" json:"spend,omitempty"`
	Upgrade   *Upgrade         `cbor:"4,keyasint,omitempty" json:"upgrade,omitempty"`
}

// Kind names the content: params, allowlist, spend, upgrade or text.
func (c Content) Kind() string {
	switch {
	case c.Params != nil:
		return "params"
	case c.Allowlist != nil:
		return "allowlist"
	case c.Spend != nil:
		return "spend"
	case c.Upgrade != nil:
		return "upgrade"
	}
	return "text"
}

// Validate checks the content alone; the keeper checks it against the
// state when it is submitted and again when it is carried out.
func (c Content) Validate() error {
	n := 0
	for _, set := range []bool{c.Params != nil, c.Allowlist != nil, c.Spend != nil, c.Upgrade != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return ErrBadMsg.Wrap("a proposal carries out one thing, not %d", n)
	}
	switch {
	case c.Params != nil:
		return c.Params.Validate()
	case c.Allowlist != nil:
		return c.Allowlist.Validate()
	case c.Spend != nil:
		return c.Spend.Validate()
	case c.Upgrade != nil:
		return c.Upgrade.Validate()
	}
	return nil
}

// ParamChange changes some of a module's parameters: Changes is a JSON
// object of the fields that change, named as in the module's params
// query; the fields it leaves out keep their value when it is carried
// out.
type ParamChange struct {
	Module  string          `cbor:"1,keyasint" json:"module"`
	Changes json.RawMessage `cbor:"2,keyasint" json:"changes"`
}

// Validate checks that Changes is a JSON object of at most MaxChanges
// bytes; which fields it may name is the module's to say.
func (c *ParamChange) Validate() error {
	if c.Module == "" || len(c.Module) > 32 || !safetext.Plain(c.Module) {
		return ErrBadMsg.Wrap("a parameter change names its module")
	}
	if len(c.Changes) > MaxChanges {
		return ErrBadMsg.Wrap("parameter changes of %d bytes, above %d", len(c.Changes), MaxChanges)
	}
	if !json.Valid(c.Changes) || !bytes.HasPrefix(bytes.TrimSpace(c.Changes), []byte("{")) {
		return ErrBadMsg.Wrap("parameter changes must be a JSON object")
	}
	return nil
}

// AllowlistChange adds measurements to the registry's allowlist and
// removes others, applied to the allowlist as it is when the proposal
// passes, so that proposals decided together compose.
type AllowlistChange struct {
	Add    []registry.Measurement `cbor:"1,keyasint,omitempty" json:"add,omitempty"`
	Remove []registry.Measurement `cbor:"2,keyasint,omitempty" json:"remove,omitempty"`
}

// Validate checks the sizes; the registry checks the measurements.
func (c *AllowlistChange) Validate() error {
	if len(c.Add)+len(c.Remove) == 0 || len(c.Add)+len(c.Remove) > MaxMeasures {
		return ErrBadMsg.Wrap("an allowlist change adds or removes 1 to %d measurements", MaxMeasures)
	}
	for _, m := range append(append([]registry.Measurement(nil), c.Add...), c.Remove...) {
		if len(m.Value) == 0 || len(m.Value) > 256 || len(m.Note) > 256 || !safetext.Plain(m.Note) {
			return ErrBadMsg.Wrap("measurement %s/%x", safetext.Show(m.Platform), []byte(m.Value))
		}
	}
	return nil
}

// Spend pays Amount from the treasury to To.
type Spend struct {
	To     crypto.Address `cbor:"1,keyasint" json:"to"`
	Amount pha.Amount     `cbor:"2,keyasint" json:"amount"`
}

// Validate checks the spend names an account and an amount.
func (s *Spend) Validate() error {
	if s.To.IsZero() || s.Amount.IsZero() {
		return ErrBadMsg.Wrap("a treasury spend names an account and an amount")
	}
	return nil
}

// Upgrade stops every node at Height, before it executes that block,
// until its operator runs a binary that knows the upgrade Name, which
// then resumes the chain. Info tells operators where that binary is.
type Upgrade struct {
	Name   string `cbor:"1,keyasint" json:"name"`
	Height int64  `cbor:"2,keyasint" json:"height"`
	Info   string `cbor:"3,keyasint,omitempty" json:"info,omitempty"`
}

// Validate checks the name (letters, digits, '.', '-', '_'), the height
// and the info's size.
func (u *Upgrade) Validate() error {
	if u.Name == "" || len(u.Name) > MaxUpgradeLen || strings.Trim(u.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != "" {
		return ErrBadMsg.Wrap("an upgrade's name is 1 to %d letters, digits, '.', '-' or '_'", MaxUpgradeLen)
	}
	if u.Height <= 0 {
		return ErrBadMsg.Wrap("an upgrade's height must be positive")
	}
	if len(u.Info) > MaxInfo || !safetext.Plain(u.Info) {
		return ErrBadMsg.Wrap("an upgrade's info is at most %d plain characters", MaxInfo)
	}
	return nil
}

// Proposal is a proposal and where it is.
type Proposal struct {
	ID       uint64         `cbor:"1,keyasint" json:"id"`
	Proposer crypto.Address `cbor:"2,keyasint" json:"proposer"`
	Title    string         `cbor:"3,keyasint" json:"title"`
	Summary  string         `cbor:"4,keyasint,omitempty" json:"summary,omitempty"`
	Content  Content        `cbor:"5,keyasint" json:"content"`
	Status   Status         `cbor:"6,keyasint" json:"status"`
	// Deposit is the sum of its deposits.
	Deposit pha.Amount `cbor:"7,keyasint" json:"deposit"`
	// Submitted and DepositEnd, VotingStart and VotingEnd are unix
	// seconds of block time.
	Submitted   int64 `cbor:"8,keyasint" json:"submitted"`
	DepositEnd  int64 `cbor:"9,keyasint" json:"deposit_end"`
	VotingStart int64 `cbor:"10,keyasint,omitempty" json:"voting_start,omitempty"`
	VotingEnd   int64 `cbor:"11,keyasint,omitempty" json:"voting_end,omitempty"`
	// Tally is the final count, once voting ended.
	Tally *TallyResult `cbor:"12,keyasint,omitempty" json:"tally,omitempty"`
	// Reason says why a final proposal ended as it did.
	Reason string `cbor:"13,keyasint,omitempty" json:"reason,omitempty"`
	// DecidedHeight is the block that ended it.
	DecidedHeight int64 `cbor:"14,keyasint,omitempty" json:"decided_height,omitempty"`
}

// Deposit is an account's deposit on a proposal.
type Deposit struct {
	Proposal  uint64         `cbor:"1,keyasint" json:"proposal"`
	Depositor crypto.Address `cbor:"2,keyasint" json:"depositor"`
	Amount    pha.Amount     `cbor:"3,keyasint" json:"amount"`
}

// Vote is an account's vote on a proposal; a later vote replaces it.
type Vote struct {
	Proposal uint64         `cbor:"1,keyasint" json:"proposal"`
	Voter    crypto.Address `cbor:"2,keyasint" json:"voter"`
	Option   Option         `cbor:"3,keyasint" json:"option"`
}

// Messages.

// MsgSubmit submits a proposal with the sender's first deposit (which may
// be zero: others may deposit).
type MsgSubmit struct {
	Title   string     `cbor:"1,keyasint" json:"title"`
	Summary string     `cbor:"2,keyasint,omitempty" json:"summary,omitempty"`
	Content Content    `cbor:"3,keyasint" json:"content"`
	Deposit pha.Amount `cbor:"4,keyasint" json:"deposit"`
}

// MsgDeposit adds to a proposal's deposit in its deposit period.
type MsgDeposit struct {
	Proposal uint64     `cbor:"1,keyasint" json:"proposal"`
	Amount   pha.Amount `cbor:"2,keyasint" json:"amount"`
}

// MsgVote votes on a proposal in its voting period.
type MsgVote struct {
	Proposal uint64 `cbor:"1,keyasint" json:"proposal"`
	Option   Option `cbor:"2,keyasint" json:"option"`
}

func (*MsgSubmit) Type() string  { return "gov/submit" }
func (*MsgDeposit) Type() string { return "gov/deposit" }
func (*MsgVote) Type() string    { return "gov/vote" }

// ValidateBasic implements module.Msg.
func (m *MsgSubmit) ValidateBasic() error {
	if m.Title == "" || len(m.Title) > MaxTitle || !safetext.Plain(m.Title) {
		return ErrBadMsg.Wrap("a title is 1 to %d plain characters", MaxTitle)
	}
	if len(m.Summary) > MaxSummary || !utf8.ValidString(m.Summary) {
		return ErrBadMsg.Wrap("a summary is at most %d bytes of UTF-8", MaxSummary)
	}
	return m.Content.Validate()
}

// ValidateBasic implements module.Msg.
func (m *MsgDeposit) ValidateBasic() error {
	if m.Amount.IsZero() {
		return ErrBadMsg.Wrap("a deposit of zero")
	}
	return nil
}

// ValidateBasic implements module.Msg.
func (m *MsgVote) ValidateBasic() error {
	if !m.Option.Valid() {
		return ErrBadMsg.Wrap("vote %s: want yes, abstain, no or veto", m.Option)
	}
	return nil
}

// Events and their attributes.
const (
	EventSubmitted = "gov_submitted"
	EventDeposit   = "gov_deposit"
	EventVoting    = "gov_voting_started"
	EventVote      = "gov_vote"
	// EventDecided is a proposal that left its deposit or voting
	// period, with its status and reason.
	EventDecided = "gov_decided"
	AttrProposal = "proposal"
	AttrAccount  = "account"
	AttrAmount   = "amount"
	AttrOption   = "option"
	AttrStatus   = "status"
	AttrKind     = "kind"
	AttrReason   = "reason"
)

// State keys.
var (
	paramsKey      = []byte("gov/params")
	nextIDKey      = []byte("gov/next-id")
	openKey        = []byte("gov/open")
	proposalPrefix = []byte("gov/proposal/")      // id → Proposal
	depositPrefix  = []byte("gov/deposit/")       // id, depositor → Deposit
	votePrefix     = []byte("gov/vote/")          // id, voter → Vote
	depositQueue   = []byte("gov/queue/deposit/") // deposit end, id
	votingQueue    = []byte("gov/queue/voting/")  // voting end, id
	upgradeKey     = []byte("gov/upgrade")        // the planned Upgrade
	upgradeDone    = []byte("gov/upgrade-done/")  // name → height applied
)

// ParamsKey is the state key of the parameters.
func ParamsKey() []byte { return paramsKey }

// NextIDKey is the state key of the next proposal's id.
func NextIDKey() []byte { return nextIDKey }

// OpenKey counts the open proposals.
func OpenKey() []byte { return openKey }

func u64(prefix []byte, n uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), n)
}

// ProposalKey is the state key of a proposal.
func ProposalKey(id uint64) []byte { return u64(proposalPrefix, id) }

// ProposalPrefix is the prefix of every proposal, in id order.
func ProposalPrefix() []byte { return proposalPrefix }

// DepositKey is the state key of a deposit.
func DepositKey(id uint64, a crypto.Address) []byte { return append(u64(depositPrefix, id), a[:]...) }

// DepositPrefix is the prefix of every deposit; of a proposal's, with
// one.
func DepositPrefix(id *uint64) []byte {
	if id == nil {
		return depositPrefix
	}
	return u64(depositPrefix, *id)
}

// VoteKey is the state key of a vote.
func VoteKey(id uint64, a crypto.Address) []byte { return append(u64(votePrefix, id), a[:]...) }

// VotePrefix is the prefix of every vote; of a proposal's, with one.
func VotePrefix(id *uint64) []byte {
	if id == nil {
		return votePrefix
	}
	return u64(votePrefix, *id)
}

// DepositQueueKey and VotingQueueKey order open proposals by the end of
// their period.
func DepositQueueKey(end int64, id uint64) []byte {
	return binary.BigEndian.AppendUint64(u64(depositQueue, uint64(end)), id)
}

// VotingQueueKey: see DepositQueueKey.
func VotingQueueKey(end int64, id uint64) []byte {
	return binary.BigEndian.AppendUint64(u64(votingQueue, uint64(end)), id)
}

// DepositQueuePrefix and VotingQueuePrefix are the queues' prefixes.
func DepositQueuePrefix() []byte { return depositQueue }

// VotingQueuePrefix: see DepositQueuePrefix.
func VotingQueuePrefix() []byte { return votingQueue }

// UpgradeKey is the state key of the planned upgrade.
func UpgradeKey() []byte { return upgradeKey }

// UpgradeDoneKey records the height an upgrade was applied at.
func UpgradeDoneKey(name string) []byte { return append(append([]byte(nil), upgradeDone...), name...) }

// DecodeProposal decodes a stored proposal.
func DecodeProposal(b []byte) (Proposal, error) {
	var p Proposal
	err := codec.Unmarshal(b, &p)
	return p, err
}

// DecodeVote decodes a stored vote.
func DecodeVote(b []byte) (Vote, error) {
	var v Vote
	err := codec.Unmarshal(b, &v)
	return v, err
}

// DecodeDeposit decodes a stored deposit.
func DecodeDeposit(b []byte) (Deposit, error) {
	var d Deposit
	err := codec.Unmarshal(b, &d)
	return d, err
}

// DecodeUpgrade decodes the stored upgrade plan.
func DecodeUpgrade(b []byte) (Upgrade, error) {
	var u Upgrade
	err := codec.Unmarshal(b, &u)
	return u, err
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
