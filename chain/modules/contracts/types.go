package contracts

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
	"github.com/phalanx-net/phalanx/internal/safetext"
)

// ModuleName is the module's name: its codespace, state prefix and module
// account (which holds cluster deposits and command escrows).
const ModuleName = "contracts"

// Account is the module account that holds deposits and escrows.
func Account() crypto.Address { return crypto.ModuleAddress(ModuleName) }

// Errors.
var (
	ErrBadMsg     = module.DefineError(ModuleName, 1, "invalid contracts message")
	ErrNoCluster  = module.DefineError(ModuleName, 2, "no such cluster")
	ErrNotOwner   = module.DefineError(ModuleName, 3, "sender does not own the cluster")
	ErrBadWorker  = module.DefineError(ModuleName, 4, "not a registered worker, or already in the cluster")
	ErrBadCode    = module.DefineError(ModuleName, 5, "contract code refused")
	ErrNoCode     = module.DefineError(ModuleName, 6, "no such code")
	ErrExists     = module.DefineError(ModuleName, 7, "contract already exists")
	ErrNoContract = module.DefineError(ModuleName, 8, "no such contract")
	// ErrNotReady refuses a call before the cluster's workers agreed on the
	// contract's key: after its instantiation, or while its key is being
	// replaced after a worker left the cluster. Call again in a few blocks.
	ErrNotReady        = module.DefineError(ModuleName, 9, "contract has no public key yet")
	ErrGas             = module.DefineError(ModuleName, 10, "command gas limit out of range")
	ErrNotMember       = module.DefineError(ModuleName, 11, "sender is not a worker of the cluster")
	ErrNoCommand       = module.DefineError(ModuleName, 12, "no such command")
	ErrBadGenesis      = module.DefineError(ModuleName, 13, "invalid contracts genesis")
	ErrClusterTooLarge = module.DefineError(ModuleName, 14, "too many workers in the cluster")
	// ErrFailed refuses a call to a contract whose instantiation failed;
	// the message gives the recorded reason.
	ErrFailed = module.DefineError(ModuleName, 15, "contract failed to instantiate")
	// ErrClusterTooSmall refuses calls and instantiations on a cluster
	// below its min_workers until its owner adds workers.
	ErrClusterTooSmall = module.DefineError(ModuleName, 16, "cluster has fewer workers than its minimum")
)

// Params are the module's limits, set in genesis.
type Params struct {
	// MaxCodeSize bounds a module, uncompressed.
	MaxCodeSize uint64 `cbor:"1,keyasint" json:"max_code_size"`
	// CodeByteGas is charged per uncompressed byte of uploaded code, for
	// validating, instrumenting and storing it.
	CodeByteGas uint64 `cbor:"2,keyasint" json:"code_byte_gas"`
	// MinCommandGas and MaxCommandGas bound a command's gas limit.
	MinCommandGas uint64 `cbor:"3,keyasint" json:"min_command_gas"`
	MaxCommandGas uint64 `cbor:"4,keyasint" json:"max_command_gas"`
	// MaxInput bounds a command's sealed input.
	MaxInput uint64 `cbor:"5,keyasint" json:"max_input"`
	// MaxClusterWorkers bounds a cluster.
	MaxClusterWorkers uint32 `cbor:"6,keyasint" json:"max_cluster_workers"`
	// ResultTimeout is how long, in seconds of block time from its
	// block's, a command waits for a majority of its cluster to agree on
	// its result; at the end of the first block at or past that deadline,
	// a command without one is closed with StatusNoMajority and its whole
	// escrow refunded. Block time, not blocks, so that a chain of fast
	// blocks gives its workers as long as a slow one.
	ResultTimeout int64 `cbor:"7,keyasint" json:"result_timeout"`
}

// DefaultParams: Go contracts of up to 8 MiB, commands of 100 thousand to
// 10 billion gas (the latter a few seconds of a worker's time), and a
// minute for a cluster to agree on a command's result: ample for workers
// that run a command in seconds (and a new cluster's, which first receive
// its key and compile the code), short enough that a caller's escrow is
// not held for long, and that `contract call` waits for the outcome.
func DefaultParams() Params {
	return Params{MaxCodeSize: 8 << 20, CodeByteGas: 2, MinCommandGas: 100_000, MaxCommandGas: 10_000_000_000,
		MaxInput: 64 << 10, MaxClusterWorkers: 32, ResultTimeout: 60}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	switch {
	case p.MaxCodeSize == 0:
		return fmt.Errorf("max_code_size must be positive")
	case p.MinCommandGas == 0 || p.MaxCommandGas < p.MinCommandGas:
		return fmt.Errorf("command gas bounds [%d, %d] are empty", p.MinCommandGas, p.MaxCommandGas)
	case p.MaxCommandGas > 1<<40:
		return fmt.Errorf("max_command_gas %d exceeds the runtime's 2^40", p.MaxCommandGas)
	case p.MaxInput == 0 || p.MaxClusterWorkers == 0:
		return fmt.Errorf("max_input and max_cluster_workers must be positive")
	case p.ResultTimeout <= 0 || p.ResultTimeout > 7*24*3600:
		return fmt.Errorf("result_timeout must be between 1 s and 7 days, is %d s", p.ResultTimeout)
	}
	return nil
}

// Hash is a SHA-256 digest, written in hex.
type Hash [32]byte

func (h Hash) String() string { return fmt.Sprintf("%x", h[:]) }

// MarshalText implements encoding.TextMarshaler.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	*h = v
	return err
}

// ParseHash decodes a hex digest.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("a hash is 64 hex digits, got %d", len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("hash: %w", err)
	}
	return h, nil
}

// Cluster is a set of workers that run the same contracts.
type Cluster struct {
	ID      uint64             `cbor:"1,keyasint" json:"id"`
	Owner   crypto.Address     `cbor:"2,keyasint" json:"owner"`
	Workers []crypto.PublicKey `cbor:"3,keyasint" json:"workers"` // sorted
	// GasPrice is what a command pays per gas its execution uses, in
	// units of PHA; it goes to the workers.
	GasPrice pha.Amount `cbor:"4,keyasint" json:"gas_price"`
	Deposit  pha.Amount `cbor:"5,keyasint" json:"deposit"`
	// Epoch is the master key epoch the cluster key derives from.
	Epoch  uint32 `cbor:"6,keyasint" json:"epoch"`
	Height int64  `cbor:"7,keyasint" json:"height"`
	// Commands is the length of the cluster's command log.
	Commands uint64 `cbor:"8,keyasint" json:"commands"`
	// MinWorkers is the fewest workers the cluster takes commands with
	// (0 reads as 1): below it, after removals, new calls and
	// instantiations are refused until its owner adds workers.
	MinWorkers uint32 `cbor:"9,keyasint,omitempty" json:"min_workers,omitempty"`
	// KeyGen is the generation of the cluster's key. Each removal of a
	// worker starts a new one, which the removed worker is never sent,
	// and every contract of the cluster gets a new key derived from it.
	KeyGen uint32 `cbor:"10,keyasint,omitempty" json:"key_gen,omitempty"`
	// Starts say from which generation on the cluster's keys derive from
	// a later master key than Epoch's: each rotation of the master key
	// starts a generation under the new one. Absent until the first.
	Starts []keys.EpochStart `cbor:"11,keyasint,omitempty" json:"starts,omitempty"`
}

// KeyEpoch is the master key epoch the cluster's current key generation
// derives from.
func (c Cluster) KeyEpoch() uint32 { return keys.EpochOf(c.Epoch, c.Starts, c.KeyGen) }

// Min is the fewest workers the cluster takes commands with.
func (c Cluster) Min() int { return max(int(c.MinWorkers), 1) }

// CheckSize refuses a command to a cluster below its minimum, saying how
// many workers it has and needs.
func (c Cluster) CheckSize() error {
	if len(c.Workers) < c.Min() {
		return ErrClusterTooSmall.Wrap("cluster %d has %d workers and takes commands with at least %d: its owner must add workers",
			c.ID, len(c.Workers), c.Min())
	}
	return nil
}

// Has reports whether w is one of the cluster's workers.
func (c Cluster) Has(w crypto.PublicKey) bool {
	_, found := slices.BinarySearchFunc(c.Workers, w, ComparePublicKeys)
	return found
}

func ComparePublicKeys(a, b crypto.PublicKey) int { return bytes.Compare(a[:], b[:]) }

// Code is an uploaded module's record; its prepared (instrumented) bytes
// are stored under CodeBytesKey.
type Code struct {
	Hash     Hash           `cbor:"1,keyasint" json:"hash"` // of the module as written
	Size     uint64         `cbor:"2,keyasint" json:"size"`
	Uploader crypto.Address `cbor:"3,keyasint" json:"uploader"`
	Height   int64          `cbor:"4,keyasint" json:"height"`
}

// Contract is an instance of code in a cluster.
type Contract struct {
	ID       Hash           `cbor:"1,keyasint" json:"id"`
	Code     Hash           `cbor:"2,keyasint" json:"code"`
	Cluster  uint64         `cbor:"3,keyasint" json:"cluster"`
	Deployer crypto.Address `cbor:"4,keyasint" json:"deployer"`
	Name     string         `cbor:"5,keyasint" json:"name,omitempty"`
	// PublicKey is the contract's HPKE key, recorded when the cluster's
	// workers agree on it; commands wait for it.
	PublicKey []byte `cbor:"6,keyasint" json:"public_key,omitempty"`
	Height    int64  `cbor:"7,keyasint" json:"height"`
	// Status and Error are set instead of PublicKey when the workers agree
	// that the instantiation failed (its initialization, say): the status
	// of its result and the result's public message. Such a contract
	// takes no commands.
	Status uint8  `cbor:"8,keyasint,omitempty" json:"status,omitempty"`
	Error  string `cbor:"9,keyasint,omitempty" json:"error,omitempty"`
	// KeyGen is the cluster key generation PublicKey derives from. While
	// the cluster's key is being replaced, PublicKey is empty and calls
	// wait, so that no input is sealed to a key a removed worker holds.
	KeyGen uint32 `cbor:"10,keyasint,omitempty" json:"key_gen,omitempty"`
}

// Failed reports whether the contract's instantiation failed.
func (c Contract) Failed() bool { return c.Status != StatusOK }

// Reason says why the contract failed, e.g. "init failed: panic: ...".
func (c Contract) Reason() string { return Reason(c.Status, c.Error) }

// ContractID is the id of the contract a deployer instantiates from code
// in a cluster with a salt.
func ContractID(deployer crypto.Address, code Hash, cluster uint64, salt []byte) Hash {
	return sha256.Sum256(codec.MustMarshal([]any{domain.ContractID, deployer, code, cluster, salt}))
}

// Command kinds.
const (
	KindInstantiate uint8 = 1 // the workers derive the contract's key; the output is its public key
	KindCall        uint8 = 2
	// KindRekey has the workers derive the contract's key of the
	// command's KeyGen, the cluster's new generation; the output is its
	// public key.
	KindRekey uint8 = 3
)

// Command is one entry of a cluster's log.
type Command struct {
	Cluster  uint64         `cbor:"1,keyasint" json:"cluster"`
	Seq      uint64         `cbor:"2,keyasint" json:"seq"`
	Kind     uint8          `cbor:"3,keyasint" json:"kind"`
	Contract Hash           `cbor:"4,keyasint" json:"contract"`
	Caller   crypto.Address `cbor:"5,keyasint" json:"caller"`
	// Input is sealed to the contract's key (SealInfo).
	Input    []byte     `cbor:"6,keyasint" json:"input,omitempty"`
	GasLimit uint64     `cbor:"7,keyasint" json:"gas_limit"`
	Escrow   pha.Amount `cbor:"8,keyasint" json:"escrow"`
	Height   int64      `cbor:"9,keyasint" json:"height"`
	Time     int64      `cbor:"10,keyasint" json:"time"` // block time, unix nanoseconds
	// Deadline is the block time (unix nanoseconds) from which the end of
	// a block closes the command if no majority of its cluster agreed on
	// a result by then.
	Deadline int64 `cbor:"11,keyasint,omitempty" json:"deadline,omitempty"`
	// KeyGen is the generation of the cluster key the command runs
	// under: its input is sealed to the contract's key of that
	// generation, and its randomness derives from it.
	KeyGen uint32 `cbor:"12,keyasint,omitempty" json:"key_gen,omitempty"`
}

// SealInfo is the HPKE info of a command's input: a command sealed for
// one contract, chain or caller does not open for another, so another
// account that copies a sealed input into its own command gets
// StatusBadInput, not a run of the caller's request.
func SealInfo(chainID string, contract Hash, caller crypto.Address) string {
	return domain.CommandSealInfo + chainID + " " + contract.String() + " " + caller.String()
}

// Result statuses, the same on every worker for the same command. Each
// failure of a contract has its own; StatusFailed is what has no better
// one.
const (
	StatusOK             uint8 = 0
	StatusError          uint8 = 1 // the contract returned an error (its message is sealed in the output)
	StatusOutOfGas       uint8 = 2
	StatusFailed         uint8 = 3 // another failure of the contract
	StatusBadInput       uint8 = 4 // the input does not open with the contract's key, or is not a call
	StatusNoCode         uint8 = 5 // the workers' runtime refused the code
	StatusPanic          uint8 = 6 // a Go panic (its message is sealed in the output)
	StatusMemoryLimit    uint8 = 7
	StatusOutputTooLarge uint8 = 8
	StatusValueTooLarge  uint8 = 9  // a storage value over the limit
	StatusKeyTooLarge    uint8 = 10 // a storage key over the limit
	StatusTrap           uint8 = 11 // a trap that is no Go panic (its detail is sealed in the output)
	StatusBadPointer     uint8 = 12 // a pointer or length outside the contract's memory (detail sealed)
	StatusInitFailed     uint8 = 13 // the contract's initialization failed
	// StatusNoMajority is the chain's, never a worker's: no result had a
	// majority of the cluster by the command's deadline (the workers
	// disagreed, tied, or too few answered). The caller is refunded the
	// whole escrow; the command may still have taken effect in the state
	// of the workers that executed it.
	StatusNoMajority uint8 = 14
)

// StatusText names a status.
func StatusText(s uint8) string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusError:
		return "contract error"
	case StatusOutOfGas:
		return "out of gas"
	case StatusFailed:
		return "failed"
	case StatusBadInput:
		return "bad input"
	case StatusNoCode:
		return "code refused"
	case StatusPanic:
		return "panic"
	case StatusMemoryLimit:
		return "memory limit"
	case StatusOutputTooLarge:
		return "output too large"
	case StatusValueTooLarge:
		return "value too large"
	case StatusKeyTooLarge:
		return "key too large"
	case StatusTrap:
		return "trap"
	case StatusBadPointer:
		return "bad pointer"
	case StatusInitFailed:
		return "init failed"
	case StatusNoMajority:
		return "no majority"
	}
	return "status " + strconv.Itoa(int(s))
}

// Reason says what happened: the status's name, then detail if any, e.g.
// "out of gas: used 50000000 of 50000000".
func Reason(status uint8, detail string) string {
	if detail == "" {
		return StatusText(status)
	}
	return StatusText(status) + ": " + detail
}

// MaxMessage bounds a result's public message.
const MaxMessage = 256

// TopicResult is the topic of a worker's result for a command.
const TopicResult = "contracts/result"

// ResultVote is what a worker posts after executing a command.
type ResultVote struct {
	Cluster uint64 `cbor:"1,keyasint" json:"cluster"`
	Seq     uint64 `cbor:"2,keyasint" json:"seq"`
	Status  uint8  `cbor:"3,keyasint" json:"status"`
	GasUsed uint64 `cbor:"4,keyasint" json:"gas_used"`
	// Output is sealed for the caller (plain for an instantiation: the
	// contract's public key).
	Output []byte `cbor:"5,keyasint" json:"output"`
	// StateRoot commits to the contract's state after the command.
	StateRoot Hash `cbor:"6,keyasint" json:"state_root"`
	// Message details a failure from public facts only (gas used and
	// limit, the limit a contract exceeded, why its initialization
	// failed), never from a call's data: what a panic said, say, is for
	// the caller alone, sealed in Output. At most MaxMessage bytes; empty
	// for success, so a successful result encodes as before it existed.
	Message string `cbor:"7,keyasint,omitempty" json:"message,omitempty"`
}

// Reason says what the command's outcome was, from the vote's public
// facts.
func (v ResultVote) Reason() string { return Reason(v.Status, v.Message) }

// Digest identifies a vote's content, for counting agreement.
func (v ResultVote) Digest() Hash { return sha256.Sum256(codec.MustMarshal(v)) }

// Result is a command's recorded outcome.
type Result struct {
	ResultVote
	Digest Hash  `cbor:"10,keyasint" json:"digest"`
	Height int64 `cbor:"11,keyasint" json:"height"`
	// Paid is what the workers were paid; the rest of the escrow went
	// back to the caller.
	Paid pha.Amount `cbor:"12,keyasint" json:"paid"`
}

// Messages.

// MsgCreateCluster creates a cluster owned by its sender.
type MsgCreateCluster struct {
	Workers  []crypto.PublicKey `cbor:"1,keyasint" json:"workers"`
	GasPrice pha.Amount         `cbor:"2,keyasint" json:"gas_price"`
	Deposit  pha.Amount         `cbor:"3,keyasint" json:"deposit"`
	// MinWorkers is the cluster's minimum size (0: 1); it may not exceed
	// the workers it starts with.
	MinWorkers uint32 `cbor:"4,keyasint,omitempty" json:"min_workers,omitempty"`
}

// MsgAddWorker adds a worker to a cluster (owner only).
type MsgAddWorker struct {
	Cluster uint64           `cbor:"1,keyasint" json:"cluster"`
	Worker  crypto.PublicKey `cbor:"2,keyasint" json:"worker"`
}

// MsgRemoveWorker removes a worker from a cluster (owner only).
type MsgRemoveWorker struct {
	Cluster uint64           `cbor:"1,keyasint" json:"cluster"`
	Worker  crypto.PublicKey `cbor:"2,keyasint" json:"worker"`
}

// MsgUploadCode uploads a contract module, gzip-compressed.
type MsgUploadCode struct {
	Gzip []byte `cbor:"1,keyasint" json:"gzip"`
}

// MsgInstantiate creates a contract from uploaded code in a cluster.
type MsgInstantiate struct {
	Code    Hash   `cbor:"1,keyasint" json:"code"`
	Cluster uint64 `cbor:"2,keyasint" json:"cluster"`
	Salt    []byte `cbor:"3,keyasint" json:"salt,omitempty"`
	Name    string `cbor:"4,keyasint" json:"name,omitempty"`
}

// MsgCall sends a command to a contract.
type MsgCall struct {
	Contract Hash   `cbor:"1,keyasint" json:"contract"`
	Input    []byte `cbor:"2,keyasint" json:"input"`
	GasLimit uint64 `cbor:"3,keyasint" json:"gas_limit"`
}

func (*MsgCreateCluster) Type() string { return "contracts/create-cluster" }
func (*MsgAddWorker) Type() string     { return "contracts/add-worker" }
func (*MsgRemoveWorker) Type() string  { return "contracts/remove-worker" }
func (*MsgUploadCode) Type() string    { return "contracts/upload-code" }
func (*MsgInstantiate) Type() string   { return "contracts/instantiate" }
func (*MsgCall) Type() string          { return "contracts/call" }

// ValidateBasic implements module.Msg.
func (m *MsgCreateCluster) ValidateBasic() error {
	if len(m.Workers) == 0 {
		return ErrBadMsg.Wrap("a cluster needs at least one worker")
	}
	return nil
}

// ValidateBasic implements module.Msg.
func (*MsgAddWorker) ValidateBasic() error { return nil }

// ValidateBasic implements module.Msg.
func (*MsgRemoveWorker) ValidateBasic() error { return nil }

// ValidateBasic implements module.Msg.
func (m *MsgUploadCode) ValidateBasic() error {
	if len(m.Gzip) == 0 {
		return ErrBadMsg.Wrap("no code")
	}
	return nil
}

// ValidateBasic implements module.Msg.
func (m *MsgInstantiate) ValidateBasic() error {
	if len(m.Salt) > 64 || len(m.Name) > 64 {
		return ErrBadMsg.Wrap("salt and name are at most 64 bytes")
	}
	// Others print the name (contract show, the dashboard): a newline or a
	// terminal escape in it could fake lines in their output.
	if !safetext.Plain(m.Name) {
		return ErrBadMsg.Wrap("the name %s has control, format or invalid characters", safetext.Show(m.Name))
	}
	return nil
}

// ValidateBasic implements module.Msg.
func (m *MsgCall) ValidateBasic() error {
	if len(m.Input) == 0 {
		return ErrBadMsg.Wrap("no input")
	}
	return nil
}

// State keys.
var (
	paramsKey     = []byte("contracts/params")
	nextCluster   = []byte("contracts/next-cluster")
	clusterPrefix = []byte("contracts/cluster/")
	codePrefix    = []byte("contracts/code/")
	codeBytesPref = []byte("contracts/code-bytes/")
	contractPref  = []byte("contracts/contract/")
	logPrefix     = []byte("contracts/log/")
	votePrefix    = []byte("contracts/vote/")
	ballotPrefix  = []byte("contracts/ballot/")
	resultPrefix  = []byte("contracts/result/")
	deadlinePref  = []byte("contracts/deadline/")
	byClusterPref = []byte("contracts/by-cluster/") // cluster, contract
	keyEpochKey   = []byte("contracts/key-epoch")
)

// KeyEpochKey is the state key of the master key epoch every cluster
// was moved to: absent until the master key first rotates.
func KeyEpochKey() []byte { return keyEpochKey }

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)+72), b...) }

// ParamsKey is the state key of the parameters.
func ParamsKey() []byte { return paramsKey }

// NextClusterKey is the state key of the next cluster's id.
func NextClusterKey() []byte { return nextCluster }

// ClusterKey is the state key of a cluster.
func ClusterKey(id uint64) []byte { return binary.BigEndian.AppendUint64(clone(clusterPrefix), id) }

// ClusterPrefix is the state prefix of all clusters.
func ClusterPrefix() []byte { return clusterPrefix }

// CodeKey is the state key of a code record.
func CodeKey(h Hash) []byte { return append(clone(codePrefix), h[:]...) }

// CodeBytesKey is the state key of a code's prepared module.
func CodeBytesKey(h Hash) []byte { return append(clone(codeBytesPref), h[:]...) }

// ContractKey is the state key of a contract.
func ContractKey(id Hash) []byte { return append(clone(contractPref), id[:]...) }

// ContractPrefix is the state prefix of all contracts.
func ContractPrefix() []byte { return contractPref }

// clusterContractKey indexes a contract under its cluster, so that a new
// key generation finds the contracts to rekey without a scan of all.
func ClusterContractKey(cluster uint64, id Hash) []byte {
	return append(ClusterContractsPrefix(cluster), id[:]...)
}

func ClusterContractsPrefix(cluster uint64) []byte {
	return binary.BigEndian.AppendUint64(clone(byClusterPref), cluster)
}

// CommandKey is the state key of a cluster's command seq.
func CommandKey(cluster, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(clone(logPrefix), cluster), seq)
}

// ResultKey is the state key of a command's result.
func ResultKey(cluster, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(clone(resultPrefix), cluster), seq)
}

func VoteKey(cluster, seq uint64, worker crypto.PublicKey) []byte {
	return append(VotePrefixOf(cluster, seq), worker[:]...)
}

func VotePrefixOf(cluster, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(clone(votePrefix), cluster), seq)
}

// ballotKey holds the content of a vote with digest d for a command, once
// whatever the number of workers that posted it, so that a majority found
// at the deadline can be recorded.
func BallotKey(cluster, seq uint64, d Hash) []byte {
	return append(BallotPrefixOf(cluster, seq), d[:]...)
}

func BallotPrefixOf(cluster, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(clone(ballotPrefix), cluster), seq)
}

// DeadlinePrefix is the state prefix of the deadline index.
func DeadlinePrefix() []byte { return deadlinePref }

// deadlineKey indexes a command by its deadline, so the block it falls in
// finds it without scanning the open commands.
func DeadlineKey(deadline int64, cluster, seq uint64) []byte {
	k := binary.BigEndian.AppendUint64(clone(deadlinePref), uint64(deadline))
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(k, cluster), seq)
}

// Event types and attributes.
const (
	EventClusterCreated = "contracts_cluster_created"
	EventClusterWorker  = "contracts_cluster_worker"
	EventCodeUploaded   = "contracts_code_uploaded"
	EventInstantiated   = "contracts_instantiated"
	EventCommand        = "contracts_command"
	EventResult         = "contracts_result"
	EventDisagreement   = "contracts_disagreement"
	AttrCluster         = "cluster"
	AttrSeq             = "seq"
	AttrContract        = "contract"
	AttrCode            = "code"
	AttrWorker          = "worker"
	AttrAction          = "action"
	AttrStatus          = "status"
	AttrReason          = "reason"
	AttrSlashed         = "slashed"
)

// Decode decodes a stored record of this module (for clients).
func Decode[T Cluster | Code | Contract | Command | Result | Params](v []byte) (T, error) {
	var out T
	err := codec.Unmarshal(v, &out)
	return out, err
}

// CallInput is the plaintext a caller seals into a command or query.
type CallInput struct {
	Method string `cbor:"1,keyasint" json:"method"`
	Args   []byte `cbor:"2,keyasint" json:"args"`
}

// InitialStateRoot is a new contract's state root.
func InitialStateRoot(contract Hash) Hash {
	return sha256.Sum256(append([]byte(domain.ContractInitialState), contract[:]...))
}

// NextStateRoot chains a command's storage writes (canonical CBOR of the
// sorted writes) onto the state root: equal roots mean equal histories of
// writes, hence equal states.
func NextStateRoot(prev Hash, writes []byte) Hash {
	w := sha256.Sum256(writes)
	return sha256.Sum256(append(append([]byte(domain.ContractNextState), prev[:]...), w[:]...))
}
