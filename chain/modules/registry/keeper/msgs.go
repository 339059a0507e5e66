package keeper

import (
	"strconv"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// RegisterMsgs adds the registry's messages to the router and its topics
// to the message queue.
func (k Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleRegisterWorker)
	module.Register(r, k.handleRegisterGatekeeper)
	module.Register(r, k.handleUpdateParams)
	module.Register(r, k.handleSubmitCollateral)
	module.Register(r, k.handleRequestSealingRoot)
	k.mq.Handle(registry.TopicOnline, k.handleOnline)
}

func (k Keeper) handleRegisterWorker(ctx *module.Context, m *registry.MsgRegisterWorker) error {
	return k.register(ctx, registry.RoleWorker, &m.Registration)
}

func (k Keeper) handleRegisterGatekeeper(ctx *module.Context, m *registry.MsgRegisterGatekeeper) error {
	if !k.IsValidator(ctx.Store(), ctx.Sender) {
		return registry.ErrNotValidator.Wrap("%s", ctx.Sender)
	}
	return k.register(ctx, registry.RoleGatekeeper, &m.Registration)
}

// register verifies a registration and records or refreshes the enclave.
// Cheap checks run before the quote is verified, so a bad registration
// costs the chain little; every refusal changes nothing.
func (k Keeper) register(ctx *module.Context, role registry.Role, m *registry.Registration) error {
	kv := ctx.Store()
	p := k.Params(kv)
	now := ctx.Block.Time.Unix()
	if m.AttestedAt > now || now-m.AttestedAt > p.MaxAttestationAge {
		return registry.ErrStaleAttestation.Wrap("attested at %d, block time %d, maximum age %d s", m.AttestedAt, now, p.MaxAttestationAge)
	}
	if role == registry.RoleWorker && m.Version < p.MinWorkerVersion {
		return registry.ErrVersionTooLow.Wrap("version %d, minimum %d", m.Version, p.MinWorkerVersion)
	}
	if verify.Insecure(m.Evidence.Platform) && !p.AllowSim {
		return registry.ErrSimNotAllowed.Wrap("this chain's genesis does not accept the sim platform")
	}
	key := registry.WorkerKey(m.Identity)
	if role == registry.RoleGatekeeper {
		key = registry.GatekeeperKey(m.Identity)
	}
	prev, refresh := k.get(kv, key)
	if refresh {
		if string(prev.EncryptionKey) != string(m.EncryptionKey) || prev.Operator != ctx.Sender {
			return registry.ErrKeysChanged.Wrap("enclave %s is registered to %s with another encryption key or operator", m.Identity, prev.Operator)
		}
		if m.AttestedAt <= prev.AttestedAt {
			return registry.ErrAttestationReused.Wrap("attested at %d, recorded %d", m.AttestedAt, prev.AttestedAt)
		}
	}
	want := registry.ReportData(role, ctx.Block.ChainID, ctx.Sender, m.Identity, m.EncryptionKey, m.Version, m.AttestedAt)
	v, scope, err := k.attested(ctx, p, m.Evidence, want)
	if err != nil {
		return err
	}
	if role == registry.RoleWorker {
		if err := k.claimMachine(kv, p, v, m.Identity, now); err != nil {
			return err
		}
	}
	e := prev
	if !refresh {
		e = registry.Enclave{Identity: m.Identity, EncryptionKey: m.EncryptionKey, Operator: ctx.Sender, RegisteredHeight: ctx.Block.Height}
		if role == registry.RoleGatekeeper {
			e.Validator = ctx.Sender
		}
	}
	e.Platform, e.Measurement, e.Version, e.AttestedAt = v.Platform, v.Measurement, m.Version, m.AttestedAt
	e.EvidenceExpires = 0
	if !v.NotAfter.IsZero() {
		e.EvidenceExpires = v.NotAfter.Unix()
	}
	e.RefreshedHeight = ctx.Block.Height
	_, rated := k.Collateral(kv, scope) // what verifyEvidence verified against
	recordTCB(&e, scope, v, rated)
	// Kept for every platform: new collateral of its scope judges it
	// again, and a key holder's enclave verifies it itself before it
	// seals a key to the enclave (keys.Recipient).
	kv.Set(registry.EvidenceKey(role, e.Identity), codec.MustMarshal(m.Evidence))
	regained := refresh && !prev.InStanding()
	if refresh && prev.InStanding() && prev.Expires != 0 {
		kv.Delete(registry.ExpiryKey(prev.Expires, role, e.Identity))
	}
	e.Expires, e.Lost, e.LostHeight = registry.Expiry(p, e), registry.InStanding, 0
	kv.Set(registry.ExpiryKey(e.Expires, role, e.Identity), present)
	kv.Set(key, codec.MustMarshal(e))
	// An enclave that regained its standing is new again to the modules
	// that dropped it (the keys module hands a gatekeeper the keys).
	if !refresh || regained {
		for _, h := range k.hooks {
			if err := h.EnclaveRegistered(ctx, role, e); err != nil {
				return err
			}
		}
	}
	k.mq.Send(ctx, m.Identity, registry.TopicRegistered, codec.MustMarshal(registry.Registered{Role: role, Height: ctx.Block.Height, AttestedAt: m.AttestedAt, Refresh: refresh}))
	ctx.Emit(registry.EventRegistered,
		module.Attr{Key: registry.AttrIdentity, Value: m.Identity, Index: true},
		module.Attr{Key: registry.AttrRole, Value: role},
		module.Attr{Key: registry.AttrOperator, Value: ctx.Sender, Index: true},
		module.Attr{Key: registry.AttrPlatform, Value: module.Text(v.Platform)},
		module.Attr{Key: registry.AttrRefresh, Value: module.Text(strconv.FormatBool(refresh))},
	)
	return nil
}

// attested verifies evidence for the sender as the registry accepts it,
// after charging for the check: against the stored collateral at the
// block time, from no debug enclave, binding want, with an allowlisted
// measurement. It returns what verification established and the
// evidence's scope.
func (k Keeper) attested(ctx *module.Context, p registry.Params, ev verify.Evidence, want verify.ReportData) (verify.Verified, string, error) {
	if err := ctx.ConsumeGas(p.VerifyGas, "attestation"); err != nil {
		return verify.Verified{}, "", err
	}
	v, scope, err := k.verifyEvidence(ctx.Store(), p, ev, ctx.Block.Time)
	if err != nil {
		return verify.Verified{}, "", err
	}
	if v.Debug {
		return verify.Verified{}, "", registry.ErrDebugEnclave.Wrap("the %s evidence is from a debug enclave, whose memory its host can read", v.Platform)
	}
	if v.ReportData != want {
		return verify.Verified{}, "", registry.ErrReportData.Wrap("the quote's report data does not bind what the message says: its keys, sender %s, chain %q, version and time",
			ctx.Sender, ctx.Block.ChainID)
	}
	if !p.Allowed(v.Platform, v.Measurement) {
		return verify.Verified{}, "", registry.ErrNotAllowlisted.Wrap("%s measurement %s", v.Platform, registry.HexBytes(v.Measurement))
	}
	return v, scope, nil
}

// handleOnline records that an enclave has verified the chain up to a
// height.
func (k Keeper) handleOnline(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var o registry.Online
	if err := codec.Unmarshal(payload, &o); err != nil {
		return registry.ErrBadMsg.Wrap("online: %v", err)
	}
	kv := ctx.Store()
	key := registry.WorkerKey(sender)
	e, ok := k.get(kv, key)
	if !ok {
		key = registry.GatekeeperKey(sender)
		if e, ok = k.get(kv, key); !ok {
			return registry.ErrNotRegistered.Wrap("%s", sender)
		}
	}
	if o.SyncedHeight < 0 || o.SyncedHeight > ctx.Block.Height {
		return registry.ErrBadMsg.Wrap("online: synced height %d beyond block %d", o.SyncedHeight, ctx.Block.Height)
	}
	e.LastSeenHeight, e.SyncedHeight = ctx.Block.Height, o.SyncedHeight
	kv.Set(key, codec.MustMarshal(e))
	ctx.Emit(registry.EventOnline, module.Attr{Key: registry.AttrIdentity, Value: sender, Index: true})
	return nil
}

func (k Keeper) handleUpdateParams(ctx *module.Context, m *registry.MsgUpdateParams) error {
	kv := ctx.Store()
	if c := k.Params(kv).Council; c.IsZero() || ctx.Sender != c {
		return registry.ErrNotCouncil.Wrap("%s (the council is %s)", ctx.Sender, councilName(c))
	}
	k.UpdateParams(kv, m.Params)
	return nil
}

func councilName(c crypto.Address) string {
	if c.IsZero() {
		return "none: governance changes the parameters"
	}
	return c.String()
}

// UpdateParams writes new parameters, already validated, and has the end
// of the block check every record against them, once: they change
// rarely, and a scan then is simpler than an index per rule.
func (r Records) UpdateParams(kv store.KV, p registry.Params) {
	r.SetParams(kv, p)
	kv.Set(registry.RescanKey(), present)
}
