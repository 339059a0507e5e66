package registry

import (
	"crypto/sha512"
	"slices"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// ErrSealsItself is a sealing root request from a platform that derives
// its own sealing key (SEV-SNP): the key manager releases roots only to
// platforms that have none (TDX, and sim for development).
var ErrSealsItself = module.DefineError(ModuleName, 21, "platform derives its own sealing key")

// MaxRootEpochs bounds the master-key epochs one sealing root request
// names besides the current one.
const MaxRootEpochs = 2

// MsgRequestSealingRoot asks the gatekeepers' key manager for the sealing
// root of the enclave whose fresh evidence it carries. The root is
// derived from the master key, the enclave's measurement and its
// machine's identity, so only the same image on the same machine gets the
// same root. The registry verifies the evidence as it verifies a
// registration (collateral, TCB status, allowlist, no debug enclave); the
// keys module then asks the master key's holders, whose enclaves verify
// it again and seal the roots to EncryptionKey. Anyone may pay for it:
// only the enclave whose quote binds EncryptionKey can open the answer.
type MsgRequestSealingRoot struct {
	Evidence verify.Evidence `cbor:"1,keyasint" json:"evidence"`
	// EncryptionKey is a fresh HPKE public key of the enclave, made for
	// this request and bound by the evidence's report data.
	EncryptionKey HexBytes `cbor:"2,keyasint" json:"encryption_key"`
	// Epochs are the master-key epochs whose roots the enclave also needs
	// besides the current one: the epoch its disk key is wrapped under.
	Epochs     []uint32 `cbor:"3,keyasint,omitempty" json:"epochs,omitempty"`
	AttestedAt int64    `cbor:"4,keyasint" json:"attested_at"`
}

// Type implements module.Msg.
func (*MsgRequestSealingRoot) Type() string { return "registry/request-sealing-root" }

// ValidateBasic implements module.Msg.
func (m *MsgRequestSealingRoot) ValidateBasic() error {
	if _, err := crypto.ParseEncryptionPublicKey(m.EncryptionKey); err != nil {
		return ErrBadMsg.Wrap("%v", err)
	}
	if len(m.Evidence.Quote) == 0 || len(m.Evidence.Quote) > MaxEvidenceBytes || len(m.Evidence.Collateral) > MaxEvidenceBytes {
		return ErrBadMsg.Wrap("evidence must be 1 to %d bytes", MaxEvidenceBytes)
	}
	if m.AttestedAt <= 0 {
		return ErrBadMsg.Wrap("attested_at must be a positive unix time")
	}
	if len(m.Epochs) > MaxRootEpochs || !slices.IsSorted(m.Epochs) || len(slices.Compact(slices.Clone(m.Epochs))) != len(m.Epochs) {
		return ErrBadMsg.Wrap("epochs must be at most %d, sorted, without repeats", MaxRootEpochs)
	}
	return nil
}

// ReleasesSealing reports whether the key manager releases sealing roots
// to enclaves of platform: TDX, which derives no sealing key, and sim,
// so that the release can be developed and tested without hardware.
// SEV-SNP's firmware derives a key bound to the launch measurement and
// the chip, which the enclave uses instead.
func ReleasesSealing(platform string) bool {
	return platform == verify.TDX || platform == verify.Sim
}

// rootBound is what a sealing root request's report data commits to.
type rootBound struct {
	ChainID       string         `cbor:"1,keyasint"`
	Operator      crypto.Address `cbor:"2,keyasint"`
	EncryptionKey []byte         `cbor:"3,keyasint"`
	AttestedAt    int64          `cbor:"4,keyasint"`
}

// SealingRootReportData is what an enclave puts in its quote to request
// its sealing root: a SHA-512 hash of the chain id, the account that
// sends the request, the fresh encryption key and the attestation time.
// It has its own context, so that no registration's quote passes for a
// request, nor the reverse. The epochs are not bound: an enclave may have
// its roots of any epoch, and a host that changes them gets answers it
// cannot open.
func SealingRootReportData(chainID string, sender crypto.Address, encKey []byte, attestedAt int64) verify.ReportData {
	b := codec.MustMarshal(rootBound{ChainID: chainID, Operator: sender, EncryptionKey: encKey, AttestedAt: attestedAt})
	return sha512.Sum512(append([]byte(domain.RegistrySealingRoot), b...))
}
