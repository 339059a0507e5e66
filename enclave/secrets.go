package enclave

import (
	"crypto/hpke"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave/internal/derive"
)

// SecretsFile is the sealed file of the master and cluster keys an
// enclave holds.
const SecretsFile = "enclave-secrets.sealed"

// MasterKeyLen is the size of a master key and of a cluster key.
const MasterKeyLen = derive.KeyLen

// secrets is the plaintext of SecretsFile.
type secrets struct {
	Masters  map[uint32][]byte        `cbor:"1,keyasint"` // by epoch
	Clusters map[uint64]clusterSecret `cbor:"2,keyasint"` // by cluster id
}

// clusterSecret is a cluster's keys: Key is generation 0, Later the
// generations after it, in order.
type clusterSecret struct {
	Epoch uint32   `cbor:"1,keyasint"`
	Key   []byte   `cbor:"2,keyasint"`
	Later [][]byte `cbor:"3,keyasint,omitempty"`
}

// gen returns the key of generation g, if held.
func (c clusterSecret) gen(g uint32) ([]byte, bool) {
	if g == 0 {
		return c.Key, true
	}
	if uint64(g) > uint64(len(c.Later)) {
		return nil, false
	}
	return c.Later[g-1], true
}

// keyring holds an enclave's master and cluster keys, sealed on disk.
type keyring struct {
	mu   sync.Mutex
	path string
	s    secrets
}

// OpenSecrets loads the enclave's sealed master and cluster keys from
// dir (none on first use). The enclave seals them again there whenever it
// gains one.
func (e *Enclave) OpenSecrets(dir string) error {
	path := filepath.Join(dir, SecretsFile)
	kr := &keyring{path: path, s: secrets{Masters: map[uint32][]byte{}, Clusters: map[uint64]clusterSecret{}}}
	sealed, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read sealed secrets: %w", err)
	default:
		plain, err := e.unseal("secrets", sealed)
		if err != nil {
			return err
		}
		if err := codec.Unmarshal(plain, &kr.s); err != nil {
			return fmt.Errorf("%w: secrets: %v", ErrSealed, err)
		}
		if kr.s.Masters == nil {
			kr.s.Masters = map[uint32][]byte{}
		}
		if kr.s.Clusters == nil {
			kr.s.Clusters = map[uint64]clusterSecret{}
		}
	}
	e.keys = kr
	return nil
}

func (e *Enclave) keyring() (*keyring, error) {
	if e.keys == nil {
		return nil, errors.New("enclave secrets are not open")
	}
	return e.keys, nil
}

// save seals the keyring; called with kr.mu held.
func (e *Enclave) save(kr *keyring) error {
	sealed, err := e.seal("secrets", codec.MustMarshal(kr.s))
	if err != nil {
		return err
	}
	return WriteFileAtomic(kr.path, sealed)
}

// GenerateMaster creates and keeps the master key of an epoch, as the
// chain asked, and returns its public key. Asked again for an epoch it
// holds (a restart before the chain saw the answer), it answers with the
// key it has.
func (e *Enclave) GenerateMaster(epoch uint32) ([]byte, error) {
	kr, err := e.keyring()
	if err != nil {
		return nil, err
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if m, ok := kr.s.Masters[epoch]; ok {
		return derive.MasterPublicKey(m)
	}
	m := make([]byte, MasterKeyLen)
	rand.Read(m)
	pub, err := derive.MasterPublicKey(m)
	if err != nil {
		return nil, err
	}
	kr.s.Masters[epoch] = m
	if err := e.save(kr); err != nil {
		delete(kr.s.Masters, epoch)
		return nil, err
	}
	return pub, nil
}

// HasMaster reports whether the enclave holds an epoch's master key.
func (e *Enclave) HasMaster(epoch uint32) bool {
	kr, err := e.keyring()
	if err != nil {
		return false
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	_, ok := kr.s.Masters[epoch]
	return ok
}

// MasterEpochs returns the epochs whose master keys the enclave holds.
func (e *Enclave) MasterEpochs() []uint32 {
	kr, err := e.keyring()
	if err != nil {
		return nil
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	return slices.Sorted(maps.Keys(kr.s.Masters))
}

// master returns the master key of an epoch.
func (e *Enclave) master(epoch uint32) ([]byte, error) {
	kr, err := e.keyring()
	if err != nil {
		return nil, err
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	m, ok := kr.s.Masters[epoch]
	if !ok {
		return nil, fmt.Errorf("no master key of epoch %d", epoch)
	}
	return m, nil
}

func sealTo(encKey, info, secret []byte) ([]byte, error) {
	pk, err := crypto.ParseEncryptionPublicKey(encKey)
	if err != nil {
		return nil, err
	}
	return hpke.Seal(pk, crypto.EncryptionKDF, crypto.EncryptionAEAD, info, secret)
}

func (e *Enclave) open(info, sealed []byte) ([]byte, error) {
	b, err := hpke.Open(e.enc, crypto.EncryptionKDF, crypto.EncryptionAEAD, info, sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSealed, err)
	}
	return b, nil
}

// HandOver seals the master key a handover request asks for to the
// gatekeeper enclave it names, once the registration the request carries
// verifies inside this enclave (checkRecipient); it fails with
// ErrRecipient otherwise. There is no way to seal a key to an enclave
// that was not verified.
func (e *Enclave) HandOver(chainID string, r keys.HandoverRequest) ([]byte, error) {
	if err := checkRecipient(chainID, registry.RoleGatekeeper, r.To, r.EncryptionKey, r.Recipient); err != nil {
		return nil, err
	}
	return e.sealMaster(chainID, r.Epoch, r.To, r.EncryptionKey)
}

// sealMaster seals an epoch's master key to a gatekeeper enclave's
// encryption key.
func (e *Enclave) sealMaster(chainID string, epoch uint32, to crypto.PublicKey, toEncKey []byte) ([]byte, error) {
	m, err := e.master(epoch)
	if err != nil {
		return nil, err
	}
	return sealTo(toEncKey, keys.HandoverInfo(chainID, epoch, to), m)
}

// ReceiveMaster opens a master key handed to this enclave, keeps it, and
// returns its public key for the chain to compare with the published one.
func (e *Enclave) ReceiveMaster(chainID string, epoch uint32, sealed []byte) ([]byte, error) {
	kr, err := e.keyring()
	if err != nil {
		return nil, err
	}
	m, err := e.open(keys.HandoverInfo(chainID, epoch, e.Identity()), sealed)
	if err != nil {
		return nil, err
	}
	if len(m) != MasterKeyLen {
		return nil, fmt.Errorf("%w: master key of %d bytes", ErrSealed, len(m))
	}
	pub, err := derive.MasterPublicKey(m)
	if err != nil {
		return nil, err
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	kr.s.Masters[epoch] = m
	return pub, e.save(kr)
}

// MaxClusterGen bounds the key generations of one cluster a share may
// carry (MasterKeyLen bytes each), so a share's size stays small.
const MaxClusterGen = 1 << 16

// ShareCluster seals the cluster keys a request asks for to the worker
// enclave it names, once the registration the request carries verifies
// inside this enclave (checkRecipient); it fails with ErrRecipient
// otherwise.
func (e *Enclave) ShareCluster(chainID string, r keys.ClusterRequest) ([]byte, error) {
	if err := checkRecipient(chainID, registry.RoleWorker, r.Worker, r.EncryptionKey, r.Recipient); err != nil {
		return nil, err
	}
	return e.sealCluster(chainID, r.Cluster, r.Epoch, r.Gen, r.Starts, r.Worker, r.EncryptionKey)
}

// sealCluster seals a cluster's keys of generations 0 to gen to a
// worker's encryption key. They derive from the master key of epoch, or
// of a later epoch for the generations starts moves (keys.EpochOf: the
// master key rotated during the cluster's life).
func (e *Enclave) sealCluster(chainID string, cluster uint64, epoch, gen uint32, starts []keys.EpochStart, worker crypto.PublicKey, workerEncKey []byte) ([]byte, error) {
	if gen > MaxClusterGen {
		return nil, fmt.Errorf("cluster %d key generation %d exceeds %d", cluster, gen, MaxClusterGen)
	}
	if !keys.ValidStarts(epoch, starts, gen) {
		return nil, fmt.Errorf("cluster %d: epoch starts %v do not follow epoch %d up to generation %d", cluster, starts, epoch, gen)
	}
	all := make([]byte, 0, (int(gen)+1)*MasterKeyLen)
	for g := uint32(0); g <= gen; g++ {
		m, err := e.master(keys.EpochOf(epoch, starts, g))
		if err != nil {
			return nil, err
		}
		all = append(all, derive.ClusterKey(m, cluster, g)...)
	}
	return sealTo(workerEncKey, keys.ClusterKeysInfo(chainID, cluster, epoch, gen, starts, worker), all)
}

// ReceiveCluster opens and keeps a cluster's keys of generations 0 to gen
// sent to this enclave. A share older than the keys held changes nothing.
func (e *Enclave) ReceiveCluster(chainID string, cluster uint64, epoch, gen uint32, sealed []byte) error {
	return e.ReceiveClusterKeys(chainID, cluster, epoch, gen, nil, sealed)
}

// ReceiveClusterKeys is ReceiveCluster for keys shared with epoch
// starts (a cluster that lived through a master key rotation).
func (e *Enclave) ReceiveClusterKeys(chainID string, cluster uint64, epoch, gen uint32, starts []keys.EpochStart, sealed []byte) error {
	kr, err := e.keyring()
	if err != nil {
		return err
	}
	all, err := e.open(keys.ClusterKeysInfo(chainID, cluster, epoch, gen, starts, e.Identity()), sealed)
	if err != nil {
		return err
	}
	if uint64(len(all)) != (uint64(gen)+1)*MasterKeyLen {
		return fmt.Errorf("%w: %d bytes of cluster keys for generations 0 to %d", ErrSealed, len(all), gen)
	}
	c := clusterSecret{Epoch: epoch, Key: all[:MasterKeyLen]}
	for g := uint32(1); g <= gen; g++ {
		c.Later = append(c.Later, all[int(g)*MasterKeyLen:int(g+1)*MasterKeyLen])
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if old, ok := kr.s.Clusters[cluster]; ok && old.Epoch == epoch && len(old.Later) > len(c.Later) {
		return nil
	}
	kr.s.Clusters[cluster] = c
	return e.save(kr)
}

// Clusters returns the clusters whose keys the enclave holds, in order.
func (e *Enclave) Clusters() []uint64 {
	kr, err := e.keyring()
	if err != nil {
		return nil
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	return slices.Sorted(maps.Keys(kr.s.Clusters))
}

// clusterKey returns a cluster's key of generation gen.
func (e *Enclave) clusterKey(cluster uint64, gen uint32) ([]byte, error) {
	kr, err := e.keyring()
	if err != nil {
		return nil, err
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	c, ok := kr.s.Clusters[cluster]
	if !ok {
		return nil, fmt.Errorf("%w: cluster %d", ErrNoClusterKey, cluster)
	}
	k, ok := c.gen(gen)
	if !ok {
		return nil, fmt.Errorf("%w: cluster %d, key generation %d (this enclave has up to %d)", ErrNoClusterKey, cluster, gen, len(c.Later))
	}
	return k, nil
}

// contract returns a contract's key pair of the cluster's key generation
// gen and the seed of its command seq, derived from that generation. It
// is the executor's (contractKeys), never the host's.
func (e *Enclave) contract(cluster uint64, gen uint32, contract [32]byte, seq uint64) (hpke.PrivateKey, [32]byte, error) {
	ck, err := e.clusterKey(cluster, gen)
	if err != nil {
		return nil, [32]byte{}, err
	}
	k, err := derive.ContractKey(ck, contract)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("derive the key of contract %x: %w", contract, err)
	}
	return k, derive.ContractSeed(ck, contract, seq), nil
}

// ContractPublicKey returns the public key of a contract under its
// cluster's key generation gen, as the chain publishes it.
func (e *Enclave) ContractPublicKey(cluster uint64, gen uint32, contract [32]byte) ([]byte, error) {
	k, _, err := e.contract(cluster, gen, contract, 0)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

// dataKey returns a 32-byte key for sealing the enclave's bulk data (its
// contract state), derived from nothing the host can see: it is created
// once and sealed in dir.
func (e *Enclave) dataKey(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name+".sealed")
	sealed, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k := make([]byte, 32)
		rand.Read(k)
		s, err := e.seal("data key "+name, k)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		return k, WriteFileAtomic(path, s)
	} else if err != nil {
		return nil, err
	}
	return e.unseal("data key "+name, sealed)
}

// HasCluster reports whether the enclave holds a cluster's key.
func (e *Enclave) HasCluster(cluster uint64) bool {
	_, err := e.clusterKey(cluster, 0)
	return err == nil
}

// ClusterGen returns the newest key generation of a cluster the enclave
// holds.
func (e *Enclave) ClusterGen(cluster uint64) (uint32, bool) {
	kr, err := e.keyring()
	if err != nil {
		return 0, false
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	c, ok := kr.s.Clusters[cluster]
	return uint32(len(c.Later)), ok
}
