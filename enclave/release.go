package enclave

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// checkRecipient verifies, inside the holder's enclave, the enclave the
// chain asks it to seal a key to: the registration the request carries
// must verify with the same code the chain ran when it recorded it, at
// the request's block time; its report data must bind the identity and
// encryption key the key would be sealed to, for this chain and role;
// it must not be a debug enclave; and its measurement must be in the
// allowlist the request carries. The chain's record alone is not
// trusted: whoever could forge it (the council key with one validator)
// would otherwise be handed the keys.
func checkRecipient(chainID string, role registry.Role, to crypto.PublicKey, encKey []byte, r *keys.Recipient) error {
	if r == nil {
		return fmt.Errorf("%w: the request carries no registration of %s", ErrRecipient, to)
	}
	if r.Role != role || r.Identity != to || !bytes.Equal(r.EncryptionKey, encKey) {
		return fmt.Errorf("%w: the registration carried is of %s %s, not the %s %s the key is for", ErrRecipient, r.Role, r.Identity, role, to)
	}
	_, err := verifyRecipient(r, registry.ReportData(role, chainID, r.Operator, r.Identity, r.EncryptionKey, r.Version, r.AttestedAt))
	return err
}

// verifyRecipient verifies the evidence a request carries, with the
// collateral it carries, at the request's block time: it must bind want,
// come from no debug enclave, and have a measurement in the request's
// allowlist.
func verifyRecipient(r *keys.Recipient, want verify.ReportData) (verify.Verified, error) {
	opts := verify.Options{Now: time.Unix(r.Time, 0), AllowSim: r.AllowSim}
	if len(r.Collateral) > 0 {
		c, err := verify.ParseCollateral(r.Evidence.Platform, r.Collateral)
		if err != nil {
			return verify.Verified{}, fmt.Errorf("%w: collateral: %w", ErrRecipient, err)
		}
		opts.Collateral = c
	}
	v, err := verify.Verify(r.Evidence, opts)
	if err != nil {
		return verify.Verified{}, fmt.Errorf("%w: evidence: %w", ErrRecipient, err)
	}
	if v.Debug {
		return verify.Verified{}, fmt.Errorf("%w: %s evidence of a debug enclave", ErrRecipient, v.Platform)
	}
	if v.ReportData != want {
		return verify.Verified{}, fmt.Errorf("%w: the evidence's report data does not bind the keys, operator, chain, version and time the request names", ErrRecipient)
	}
	if !allowed(r.Allowlist, v.Platform, v.Measurement) {
		return verify.Verified{}, fmt.Errorf("%w: %s measurement %s not allowlisted", ErrRecipient, v.Platform, registry.HexBytes(v.Measurement))
	}
	return v, nil
}

// allowed scans the allowlist rather than searching it, so an unsorted
// list carried by a request cannot hide an entry.
func allowed(list []registry.Measurement, platform string, value []byte) bool {
	for _, m := range list {
		if m.Platform == platform && bytes.Equal(m.Value, value) {
			return true
		}
	}
	return false
}

// ErrRecipient is returned when the enclave a key would be sealed to
// does not verify: nothing is sealed.
var ErrRecipient = errors.New("key recipient does not verify")
