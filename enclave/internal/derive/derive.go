package derive

import (
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// KeyLen is the size of a master key and of a cluster key.
const KeyLen = 32

// key derives n bytes from secret under label; each derivation has its
// own label so that no derived key equals another.
func key(secret []byte, label string, n int) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, label, n)
	if err != nil {
		panic(err) // only for lengths HKDF cannot produce
	}
	return k
}

// MasterPublicKey is the HPKE public key published for a master key.
func MasterPublicKey(master []byte) ([]byte, error) {
	k, err := crypto.EncryptionKEM.DeriveKeyPair(key(master, domain.KeysMasterPublic, 64))
	if err != nil {
		return nil, fmt.Errorf("derive the master public key: %w", err)
	}
	return k.PublicKey().Bytes(), nil
}

// ClusterKey derives a cluster's key of generation gen from the master
// key of its epoch. Generation 0 keeps the label it had before
// generations existed.
func ClusterKey(master []byte, cluster uint64, gen uint32) []byte {
	if gen == 0 {
		return key(master, fmt.Sprintf(domain.KeysClusterV1, cluster), KeyLen)
	}
	return key(master, fmt.Sprintf(domain.KeysClusterV2, cluster, gen), KeyLen)
}

// ContractKey derives a contract's HPKE key pair from its cluster's key.
func ContractKey(clusterKey []byte, contract [32]byte) (hpke.PrivateKey, error) {
	return crypto.EncryptionKEM.DeriveKeyPair(key(clusterKey, fmt.Sprintf(domain.KeysContract, contract), 64))
}

// ContractSeed derives the randomness seed of a contract's command: the
// same on every worker of the cluster, unpredictable to everyone else.
func ContractSeed(clusterKey []byte, contract [32]byte, seq uint64) [32]byte {
	return [32]byte(key(clusterKey, fmt.Sprintf(domain.KeysSeed, contract, seq), 32))
}

// SealingRoot derives an enclave's sealing root from the master key of
// an epoch, the enclave's platform, its measurement and its machine's id
// as verified evidence gives them: the same image on the same machine
// gets the same root, another image or another machine another one.
// Each field is length-prefixed, so no two inputs run together.
func SealingRoot(master []byte, platform string, measurement, machine []byte) []byte {
	info := []byte(domain.KeysSealingRootKey)
	for _, f := range [][]byte{[]byte(platform), measurement, machine} {
		info = binary.BigEndian.AppendUint32(info, uint32(len(f)))
		info = append(info, f...)
	}
	return key(master, string(info), KeyLen)
}
