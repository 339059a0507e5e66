package registry

import (
	"errors"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// RegisterMsgs adds the registry's messages to the router and its topics
// to the message queue.
func (k Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleRegisterWorker)
	module.Register(r, k.handleRegisterGatekeeper)
	module.Register(r, k.handleUpdateParams)
	k.mq.Handle(TopicOnline, k.handleOnline)
}

func (k Keeper) handleRegisterWorker(ctx *module.Context, m *MsgRegisterWorker) error {
	return k.register(ctx, RoleWorker, &m.Registration)
}

func (k Keeper) handleRegisterGatekeeper(ctx *module.Context, m *MsgRegisterGatekeeper) error {
	if !k.IsValidator(ctx.Store(), ctx.Sender) {
		return ErrNotValidator.Wrap("%s", ctx.Sender)
	}
	return k.register(ctx, RoleGatekeeper, &m.Registration)
}

// register verifies a registration and records or refreshes the enclave.
// Cheap checks run before the quote is verified, so a bad registration
// costs the chain little; every refusal changes nothing.
func (k Keeper) register(ctx *module.Context, role Role, m *Registration) error {
	kv := ctx.Store()
	p := k.Params(kv)
	now := ctx.Block.Time.Unix()
	if m.AttestedAt > now || now-m.AttestedAt > p.MaxAttestationAge {
		return ErrStaleAttestation.Wrap("attested at %d, block time %d, maximum age %d s", m.AttestedAt, now, p.MaxAttestationAge)
	}
	if role == RoleWorker && m.Version < p.MinWorkerVersion {
		return ErrVersionTooLow.Wrap("version %d, minimum %d", m.Version, p.MinWorkerVersion)
	}
	if verify.Insecure(m.Evidence.Platform) && !p.AllowSim {
		return ErrSimNotAllowed.Wrap("this chain's genesis does not accept the sim platform")
	}
	key := WorkerKey(m.Identity)
	if role == RoleGatekeeper {
		key = GatekeeperKey(m.Identity)
	}
	prev, refresh := k.get(kv, key)
	if refresh {
		if string(prev.EncryptionKey) != string(m.EncryptionKey) || prev.Operator != ctx.Sender {
			return ErrKeysChanged.Wrap("enclave %s is registered to %s with another encryption key or operator", m.Identity, prev.Operator)
		}
		if m.AttestedAt <= prev.AttestedAt {
			return ErrAttestationReused.Wrap("attested at %d, recorded %d", m.AttestedAt, prev.AttestedAt)
		}
	}
	if err := ctx.ConsumeGas(p.VerifyGas, "attestation"); err != nil {
		return err
	}
	v, err := verify.Verify(m.Evidence, verify.Options{Now: ctx.Block.Time, AllowSim: p.AllowSim})
	if err != nil {
		if errors.Is(err, verify.ErrSimNotAllowed) {
			return ErrSimNotAllowed.Wrap("%v", err)
		}
		return ErrBadAttestation.Wrap("%v", err)
	}
	if v.Debug {
		return ErrDebugEnclave.Wrap("the %s evidence is from a debug enclave, whose memory its host can read", v.Platform)
	}
	want := ReportData(role, ctx.Block.ChainID, ctx.Sender, m.Identity, m.EncryptionKey, m.Version, m.AttestedAt)
	if v.ReportData != want {
		return ErrReportData.Wrap("the quote's report data is not the hash of these keys, operator %s, chain %q, version %d and time %d",
			ctx.Sender, ctx.Block.ChainID, m.Version, m.AttestedAt)
	}
	if !p.Allowed(v.Platform, v.Measurement) {
		return ErrNotAllowlisted.Wrap("%s measurement %s", v.Platform, HexBytes(v.Measurement))
	}
	e := prev
	if !refresh {
		e = Enclave{Identity: m.Identity, EncryptionKey: m.EncryptionKey, Operator: ctx.Sender, RegisteredHeight: ctx.Block.Height}
		if role == RoleGatekeeper {
			e.Validator = ctx.Sender
		}
	}
	e.Platform, e.Measurement, e.Version, e.AttestedAt = v.Platform, v.Measurement, m.Version, m.AttestedAt
	e.EvidenceExpires = 0
	if !v.NotAfter.IsZero() {
		e.EvidenceExpires = v.NotAfter.Unix()
	}
	e.RefreshedHeight = ctx.Block.Height
	kv.Set(key, codec.MustMarshal(e))
	if !refresh {
		for _, h := range k.hooks {
			if err := h.EnclaveRegistered(ctx, role, e); err != nil {
				return err
			}
		}
	}
	k.mq.Send(ctx, m.Identity, TopicRegistered, codec.MustMarshal(Registered{Role: role, Height: ctx.Block.Height, AttestedAt: m.AttestedAt, Refresh: refresh}))
	ctx.Emit(EventRegistered,
		module.Attr{Key: AttrIdentity, Value: m.Identity, Index: true},
		module.Attr{Key: AttrRole, Value: role},
		module.Attr{Key: AttrOperator, Value: ctx.Sender, Index: true},
		module.Attr{Key: AttrPlatform, Value: module.Text(v.Platform)},
		module.Attr{Key: AttrRefresh, Value: module.Text(strconv.FormatBool(refresh))},
	)
	return nil
}

// handleOnline records that an enclave has verified the chain up to a
// height.
func (k Keeper) handleOnline(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var o Online
	if err := codec.Unmarshal(payload, &o); err != nil {
		return ErrBadMsg.Wrap("online: %v", err)
	}
	kv := ctx.Store()
	key := WorkerKey(sender)
	e, ok := k.get(kv, key)
	if !ok {
		key = GatekeeperKey(sender)
		if e, ok = k.get(kv, key); !ok {
			return ErrNotRegistered.Wrap("%s", sender)
		}
	}
	if o.SyncedHeight < 0 || o.SyncedHeight > ctx.Block.Height {
		return ErrBadMsg.Wrap("online: synced height %d beyond block %d", o.SyncedHeight, ctx.Block.Height)
	}
	e.LastSeenHeight, e.SyncedHeight = ctx.Block.Height, o.SyncedHeight
	kv.Set(key, codec.MustMarshal(e))
	ctx.Emit(EventOnline, module.Attr{Key: AttrIdentity, Value: sender, Index: true})
	return nil
}

func (k Keeper) handleUpdateParams(ctx *module.Context, m *MsgUpdateParams) error {
	kv := ctx.Store()
	if ctx.Sender != k.Params(kv).Council {
		return ErrNotCouncil.Wrap("%s", ctx.Sender)
	}
	k.SetParams(kv, m.Params)
	return nil
}
