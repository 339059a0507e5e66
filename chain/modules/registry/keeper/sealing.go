package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// SealingRequest is a sealing root request the registry verified.
type SealingRequest struct {
	Msg *registry.MsgRequestSealingRoot
	// Sender is the account that sent it, which its report data binds.
	Sender crypto.Address
	// Verified is what the evidence established at the block time.
	Verified verify.Verified
	// Scope is the evidence's collateral scope ("" for sim).
	Scope string
}

// SealingHooks lets the keys module take a verified sealing root request
// to the master key's holders.
type SealingHooks interface {
	SealingRootRequested(ctx *module.Context, r SealingRequest) error
}

// OnSealingRoot returns the keeper handing verified sealing root requests
// to h.
func (k Keeper) OnSealingRoot(h SealingHooks) Keeper {
	k.sealing = h
	return k
}

// handleRequestSealingRoot verifies a sealing root request's evidence as
// a registration's is verified, and hands it to the keys module. The
// enclave need not be registered: it asks for its root before it can
// open the keys it registered with.
func (k Keeper) handleRequestSealingRoot(ctx *module.Context, m *registry.MsgRequestSealingRoot) error {
	p := k.Params(ctx.Store())
	now := ctx.Block.Time.Unix()
	if m.AttestedAt > now || now-m.AttestedAt > p.MaxAttestationAge {
		return registry.ErrStaleAttestation.Wrap("attested at %d, block time %d, maximum age %d s", m.AttestedAt, now, p.MaxAttestationAge)
	}
	if verify.Insecure(m.Evidence.Platform) && !p.AllowSim {
		return registry.ErrSimNotAllowed.Wrap("this chain's genesis does not accept the sim platform")
	}
	if !registry.ReleasesSealing(m.Evidence.Platform) {
		return registry.ErrSealsItself.Wrap("%s enclaves seal with their firmware's key; the key manager releases roots to tdx (and sim) only", m.Evidence.Platform)
	}
	if k.sealing == nil {
		return registry.ErrBadMsg.Wrap("this chain releases no sealing roots")
	}
	want := registry.SealingRootReportData(ctx.Block.ChainID, ctx.Sender, m.EncryptionKey, m.AttestedAt)
	v, scope, err := k.attested(ctx, p, m.Evidence, want)
	if err != nil {
		return err
	}
	return k.sealing.SealingRootRequested(ctx, SealingRequest{Msg: m, Sender: ctx.Sender, Verified: v, Scope: scope})
}
