package keys

import (
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// ModuleName is the module's name: its codespace and state prefix.
const ModuleName = "keys"

// Errors.
var (
	ErrBadMsg      = module.DefineError(ModuleName, 1, "invalid keys message")
	ErrUnexpected  = module.DefineError(ModuleName, 2, "key message not expected")
	ErrNotHolder   = module.DefineError(ModuleName, 3, "sender does not hold this master key")
	ErrKeyMismatch = module.DefineError(ModuleName, 4, "derived public key differs from the published one")
	ErrNoMasterKey = module.DefineError(ModuleName, 5, "no master key yet")
	// Code 6 is not used again: it was the council check, which is the
	// registry's (registry.ErrNotCouncil), since the council is its param.

	ErrRotationBusy  = module.DefineError(ModuleName, 7, "a master key is being generated")
	ErrNotGatekeeper = module.DefineError(ModuleName, 8, "sender is not a registered gatekeeper enclave")
)

// Topics of chain-to-enclave messages.
const (
	// TopicGenerate asks a gatekeeper enclave to generate the master key
	// of an epoch (payload Generate).
	TopicGenerate = "keys/generate"
	// TopicHandoverRequest asks a holder to hand an epoch's master key
	// to a gatekeeper (payload HandoverRequest).
	TopicHandoverRequest = "keys/handover-request"
	// TopicMasterKey carries a sealed master key to its recipient
	// (payload Handover).
	TopicMasterKey = "keys/master-key"
	// TopicClusterRequest asks a holder to send a cluster's key to a
	// worker (payload ClusterRequest).
	TopicClusterRequest = "keys/cluster-request"
	// TopicClusterKey carries a sealed cluster key to its worker (payload
	// ClusterShare).
	TopicClusterKey = "keys/cluster-key"
)

// Topics of enclave-to-chain messages.
const (
	TopicPublish      = "keys/publish"       // Publish
	TopicHandover     = "keys/handover"      // Handover
	TopicReceived     = "keys/received"      // Received
	TopicClusterShare = "keys/cluster-share" // ClusterShare
)

// Generate is the payload of TopicGenerate.
type Generate struct {
	Epoch uint32 `cbor:"1,keyasint" json:"epoch"`
}

// Publish announces a newly generated master key's public key.
type Publish struct {
	Epoch     uint32 `cbor:"1,keyasint" json:"epoch"`
	PublicKey []byte `cbor:"2,keyasint" json:"public_key"`
}

// HandoverRequest asks a holder for a handover.
type HandoverRequest struct {
	To            crypto.PublicKey `cbor:"1,keyasint" json:"to"`
	EncryptionKey []byte           `cbor:"2,keyasint" json:"encryption_key"`
	Epoch         uint32           `cbor:"3,keyasint" json:"epoch"`
	// Recipient is the recipient's registration as the registry recorded
	// it: the holder's enclave verifies it before it seals anything.
	Recipient *Recipient `cbor:"4,keyasint,omitempty" json:"recipient,omitempty"`
}

// Recipient is what a holder's enclave needs to judge, by itself, the
// enclave it is asked to seal a key to: the registration the registry
// recorded (its evidence and what the evidence's report data binds) and
// the registry's rules at the request's block (the allowlist, whether
// sim is accepted, the block time).
type Recipient struct {
	Evidence      verify.Evidence  `cbor:"1,keyasint" json:"evidence"`
	Identity      crypto.PublicKey `cbor:"2,keyasint" json:"identity"`
	EncryptionKey []byte           `cbor:"3,keyasint" json:"encryption_key"`
	Operator      crypto.Address   `cbor:"4,keyasint" json:"operator"`
	Role          registry.Role    `cbor:"5,keyasint" json:"role"`
	Version       uint32           `cbor:"6,keyasint" json:"version"`
	AttestedAt    int64            `cbor:"7,keyasint" json:"attested_at"`
	// Allowlist is the registry's measurements at the request's block.
	Allowlist []registry.Measurement `cbor:"8,keyasint,omitempty" json:"allowlist,omitempty"`
	AllowSim  bool                   `cbor:"9,keyasint,omitempty" json:"allow_sim,omitempty"`
	// Time is the request's block time (unix seconds): the evidence's
	// certificates must be valid then.
	Time int64 `cbor:"10,keyasint" json:"time"`
	// Collateral is the vendor collateral the chain holds for the
	// evidence's scope, when it holds any; verification then also checks
	// revocation and the TCB status.
	Collateral []byte `cbor:"11,keyasint,omitempty" json:"collateral,omitempty"`
}

// Handover is a master key sealed to its recipient (see
// HandoverInfo); the chain forwards it unchanged.
type Handover struct {
	To     crypto.PublicKey `cbor:"1,keyasint" json:"to"`
	Epoch  uint32           `cbor:"2,keyasint" json:"epoch"`
	Sealed []byte           `cbor:"3,keyasint" json:"sealed"`
	From   crypto.PublicKey `cbor:"4,keyasint" json:"from"` // set by the chain
}

// Received confirms that a gatekeeper opened an epoch's master key and
// derived the published public key from it.
type Received struct {
	Epoch     uint32 `cbor:"1,keyasint" json:"epoch"`
	PublicKey []byte `cbor:"2,keyasint" json:"public_key"`
}

// ClusterRequest asks a holder for a worker's copy of a cluster key.
type ClusterRequest struct {
	Cluster       uint64           `cbor:"1,keyasint" json:"cluster"`
	Worker        crypto.PublicKey `cbor:"2,keyasint" json:"worker"`
	EncryptionKey []byte           `cbor:"3,keyasint" json:"encryption_key"`
	Epoch         uint32           `cbor:"4,keyasint" json:"epoch"`
	// Gen is the cluster's key generation: the worker is sent the keys
	// of generations 0 to Gen (it replays the cluster's whole log, whose
	// older commands are sealed to older generations).
	Gen uint32 `cbor:"5,keyasint,omitempty" json:"gen,omitempty"`
	// Starts says which generations derive from later epochs' master
	// keys than Epoch, which is generation 0's (EpochOf); absent until
	// the master key rotates during the cluster's life.
	Starts []EpochStart `cbor:"6,keyasint,omitempty" json:"starts,omitempty"`
	// Recipient is the worker's registration as the registry recorded
	// it: the holder's enclave verifies it before it seals anything.
	Recipient *Recipient `cbor:"7,keyasint,omitempty" json:"recipient,omitempty"`
}

// EpochStart says that a cluster's keys from generation Gen on derive
// from the master key of Epoch: the master key rotated, and the cluster
// moved to the new one with a new generation.
type EpochStart struct {
	Gen   uint32 `cbor:"1,keyasint" json:"gen"`
	Epoch uint32 `cbor:"2,keyasint" json:"epoch"`
}

// EpochOf returns the epoch whose master key a cluster's key of
// generation gen derives from: epoch (generation 0's) until the first
// start at or below gen.
func EpochOf(epoch uint32, starts []EpochStart, gen uint32) uint32 {
	for _, s := range starts {
		if s.Gen > gen {
			break
		}
		epoch = s.Epoch
	}
	return epoch
}

// ValidStarts checks that starts move forward: generations above 0 and
// at most gen, and epochs after epoch, both increasing.
func ValidStarts(epoch uint32, starts []EpochStart, gen uint32) bool {
	g := uint32(0)
	for _, s := range starts {
		if s.Gen <= g || s.Gen > gen || s.Epoch <= epoch {
			return false
		}
		g, epoch = s.Gen, s.Epoch
	}
	return true
}

// ClusterShare is a cluster's keys of generations 0 to Gen sealed to a
// worker (see ClusterInfo): their concatenation, MasterKeyLen bytes each.
type ClusterShare struct {
	Cluster uint64           `cbor:"1,keyasint" json:"cluster"`
	Worker  crypto.PublicKey `cbor:"2,keyasint" json:"worker"`
	Epoch   uint32           `cbor:"3,keyasint" json:"epoch"`
	Sealed  []byte           `cbor:"4,keyasint" json:"sealed"`
	Gen     uint32           `cbor:"5,keyasint,omitempty" json:"gen,omitempty"`
	// Starts are the request's: the worker needs them to open the share.
	Starts []EpochStart `cbor:"6,keyasint,omitempty" json:"starts,omitempty"`
}

// HandoverInfo is the HPKE info a master key is sealed under: it binds
// the chain, the epoch and the recipient, so a sealed key cannot be
// replayed to another enclave or passed off as another epoch's.
func HandoverInfo(chainID string, epoch uint32, to crypto.PublicKey) []byte {
	return codec.MustMarshal([]any{domain.KeysMasterHandover, chainID, epoch, to})
}

// ClusterInfo is the HPKE info a cluster's keys up to generation gen are
// sealed under: it binds the chain, the cluster, the epoch, the
// generation and the recipient. Generation 0 keeps the info it had
// before generations existed.
func ClusterInfo(chainID string, cluster uint64, epoch, gen uint32, to crypto.PublicKey) []byte {
	if gen == 0 {
		return codec.MustMarshal([]any{domain.KeysClusterKey, chainID, cluster, epoch, to})
	}
	return codec.MustMarshal([]any{domain.KeysClusterKeys, chainID, cluster, epoch, gen, to})
}

// ClusterKeysInfo is ClusterInfo for keys that derive from several
// epochs' master keys (starts not empty): it binds the starts too.
func ClusterKeysInfo(chainID string, cluster uint64, epoch, gen uint32, starts []EpochStart, to crypto.PublicKey) []byte {
	if len(starts) == 0 {
		return ClusterInfo(chainID, cluster, epoch, gen, to)
	}
	return codec.MustMarshal([]any{domain.KeysClusterKeysEpochs, chainID, cluster, epoch, gen, starts, to})
}

// Master is the record of one epoch's master key.
type Master struct {
	Epoch     uint32           `cbor:"1,keyasint" json:"epoch"`
	PublicKey []byte           `cbor:"2,keyasint" json:"public_key"`
	Generator crypto.PublicKey `cbor:"3,keyasint" json:"generator"`
	Height    int64            `cbor:"4,keyasint" json:"height"`
}

// Status is the module's summary record.
type Status struct {
	// Epochs is the number of master keys published; the current one is
	// Epochs-1.
	Epochs uint32 `cbor:"1,keyasint" json:"epochs"`
	// Generating is set while Generator is asked for epoch Epochs.
	Generating bool             `cbor:"2,keyasint" json:"generating"`
	Generator  crypto.PublicKey `cbor:"3,keyasint" json:"generator"`
}

// Current returns the current epoch, and false before the first key.
func (s Status) Current() (uint32, bool) { return s.Epochs - 1, s.Epochs > 0 }

// MsgRotateMasterKey asks the gatekeepers for a new master key (council
// only, until governance exists).
type MsgRotateMasterKey struct{}

// Type implements module.Msg.
func (*MsgRotateMasterKey) Type() string { return "keys/rotate-master-key" }

// ValidateBasic implements module.Msg.
func (*MsgRotateMasterKey) ValidateBasic() error { return nil }

// State keys.
var (
	statusKey       = []byte("keys/status")
	masterPrefix    = []byte("keys/master/")
	holderPrefix    = []byte("keys/holder/")         // epoch, gatekeeper
	requestedPrefix = []byte("keys/requested/")      // epoch, gatekeeper: handover asked
	handedPrefix    = []byte("keys/handed/")         // epoch, gatekeeper: handover forwarded
	clusterReqPref  = []byte("keys/cluster-req/")    // cluster, worker
	clusterSentPref = []byte("keys/cluster-handed/") // cluster, worker
)

// StatusKey is the state key of the Status record.
func StatusKey() []byte { return statusKey }

// MasterKey is the state key of an epoch's Master record.
func MasterKey(epoch uint32) []byte { return binary.BigEndian.AppendUint32(clone(masterPrefix), epoch) }

func epochKey(prefix []byte, epoch uint32, id crypto.PublicKey) []byte {
	return append(binary.BigEndian.AppendUint32(clone(prefix), epoch), id[:]...)
}

// HolderKey is the state key present when a gatekeeper holds an epoch's
// master key.
func HolderKey(epoch uint32, id crypto.PublicKey) []byte { return epochKey(holderPrefix, epoch, id) }

// HolderPrefix is the state prefix of an epoch's HolderKeys.
func HolderPrefix(epoch uint32) []byte {
	return binary.BigEndian.AppendUint32(clone(holderPrefix), epoch)
}

// RequestedKey is the state key present once a gatekeeper's holders were
// asked to hand it an epoch's master key.
func RequestedKey(epoch uint32, id crypto.PublicKey) []byte {
	return epochKey(requestedPrefix, epoch, id)
}

// HandedKey is the state key present once an epoch's master key was
// forwarded to a gatekeeper.
func HandedKey(epoch uint32, id crypto.PublicKey) []byte { return epochKey(handedPrefix, epoch, id) }

func clusterKey(prefix []byte, cluster uint64, worker crypto.PublicKey) []byte {
	return append(binary.BigEndian.AppendUint64(clone(prefix), cluster), worker[:]...)
}

// ClusterHandedKey is the state key present once a worker was sent a
// cluster's key.
func ClusterHandedKey(cluster uint64, worker crypto.PublicKey) []byte {
	return clusterKey(clusterSentPref, cluster, worker)
}

// ClusterRequestKey is the state key of a worker's pending request for a
// cluster's keys.
func ClusterRequestKey(cluster uint64, worker crypto.PublicKey) []byte {
	return clusterKey(clusterReqPref, cluster, worker)
}

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)+48), b...) }

// Event types and attributes.
const (
	EventPublished  = "keys_published"
	EventHolder     = "keys_holder"
	EventRotate     = "keys_rotate"
	EventClusterKey = "keys_cluster_key"
	AttrEpoch       = "epoch"
	AttrEnclave     = "enclave"
	AttrCluster     = "cluster"
	AttrWorker      = "worker"
	AttrGen         = "gen"
)

// DecodeStatus decodes the Status record (for clients); absent is zero.
func DecodeStatus(v []byte) (Status, error) {
	var s Status
	if v == nil {
		return s, nil
	}
	err := codec.Unmarshal(v, &s)
	return s, err
}

// DecodeMaster decodes a Master record (for clients).
func DecodeMaster(v []byte) (Master, error) {
	var m Master
	err := codec.Unmarshal(v, &m)
	return m, err
}
