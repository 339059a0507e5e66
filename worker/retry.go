package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// RefusedError is the chain's refusal of the enclave's registration for a
// reason no retry can change while the chain's rules stay as they are: the
// platform, the measurement, a debug enclave, a version below the minimum,
// an attestation for another chain. Run returns it, so the worker stops
// and says why instead of asking again for ever.
type RefusedError struct {
	// Err is the chain's refusal; errors.Is matches the registry's error
	// (registry.ErrSimNotAllowed, ...).
	Err error
	// Reason says what the refusal means, Hint what the operator can do.
	Reason, Hint string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("the chain refuses this enclave: %s (%v).\n%s", e.Reason, e.Err, e.Hint)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// refusals are the registry's answers that stop a worker, by the code the
// chain sent (a *client.TxError unwraps to the registered error).
var refusals = []struct {
	err          error
	reason, hint string
}{
	{registry.ErrSimNotAllowed, "its genesis does not accept the sim platform, which protects nothing",
		"Run the enclave on tdx or sevsnp (--platform / --enclave), or use a development chain whose genesis was made with `phalanx genesis new --allow-sim`."},
	{registry.ErrNotAllowlisted, "this enclave's measurement is not on its allowlist",
		"Run a release whose measurement the chain lists, or ask the council to add this one (registry/update-params) with the measurement shown above."},
	{registry.ErrDebugEnclave, "the enclave runs in debug mode, whose memory its host can read",
		"Launch the confidential VM without debug."},
	{registry.ErrVersionTooLow, "this enclave version is below the chain's minimum",
		"Upgrade phalanx to a release at or above the registry's min_worker_version."},
	{registry.ErrReportData, "the attestation binds another chain, operator or version than the chain sees",
		"Check that --node serves the chain of --genesis and that the operator is the account the enclave registered with."},
	{tx.ErrWrongChainID, "the node serves another chain than the enclave follows",
		"Point --node at a node of the chain in --genesis."},
	{registry.ErrKeysChanged, "it has this enclave registered to another operator or with other keys",
		"Start the worker with the operator it registered with, or in a new home to register a new enclave."},
	{verify.ErrCertificateRevoked, "the vendor revoked a certificate the enclave's attestation depends on (its PCK or VCEK)",
		"This machine cannot register until the vendor issues it a new certificate; run the worker on another machine."},
	{verify.ErrTCBRevoked, "the vendor rates this machine's TCB Revoked",
		"Update the machine's firmware and microcode to a TCB level the vendor supports."},
	{verify.ErrTCBBelowMinimum, "this machine's TCB is below the minimum",
		"Update the machine's firmware (and SEV-SNP microcode) to at least the registry's snp_minimum_tcb, or a level Intel lists."},
	{registry.ErrTCBOutOfDate, "this machine's TCB has been out of date for longer than the chain's grace",
		"Update the machine's firmware and microcode to Intel's current TCB level."},
	{verify.ErrGuestPolicy, "the confidential VM's guest policy is refused",
		"Launch the VM without debugging or a migration agent, and request the report at VMPL 0."},
	{verify.ErrTDAttributes, "the TD can be migrated or is bound to a service TD, which could export its memory",
		"Launch the TD without MIGRATABLE and without binding a service TD (migration TD)."},
	{registry.ErrBadAttestation, "it cannot verify the enclave's attestation",
		"Check the machine's TEE (firmware, certificates); the refusal above says what failed."},
}

// refusal returns err as a *RefusedError if it is a refusal no retry can
// change, else nil.
func refusal(err error) *RefusedError {
	var te *client.TxError
	if !errors.As(err, &te) {
		return nil
	}
	for _, r := range refusals {
		if errors.Is(te, r.err) {
			return &RefusedError{Err: err, Reason: r.reason, Hint: r.hint}
		}
	}
	return nil
}

// txFailure is a transaction of the worker that failed: what it was for and
// its gas limit, so the retry can say what the operator's account needs.
type txFailure struct {
	op       string // for the error: "register", "post 2 message(s), first keys/publish"
	purpose  string // for people: "a registration"
	gasLimit uint64
	err      error
}

func (e *txFailure) Error() string { return e.op + ": " + e.err.Error() }
func (e *txFailure) Unwrap() error { return e.err }

// retryableRefusal reports whether the chain refused a transaction for a
// reason of the moment (the operator's funds, its nonce, a full mempool),
// so that sending it again later may succeed. A wrong message sequence is
// one: after a restart the worker reads its next sequence from the state
// it has verified, which may not show a message of its that was still on
// its way; post forgets the sequence, the next round reads it again from
// newer state, and the message goes out with the right one. Dropping it
// instead lost the result of a contract command for good.
func retryableRefusal(err error) bool {
	return errors.Is(err, mq.ErrBadSequence) ||
		errors.Is(err, tx.ErrUnaffordableFee) || errors.Is(err, bank.ErrInsufficientFunds) ||
		errors.Is(err, tx.ErrStaleNonce) || errors.Is(err, tx.ErrFutureNonce) ||
		errors.Is(err, tx.ErrGasPriceTooLow) || errors.Is(err, registry.ErrStaleAttestation) ||
		errors.Is(err, registry.ErrAttestationReused)
}

// waitingFor says, for the log, what a failed round waits for.
func (h *Host) waitingFor(ctx context.Context, err error) string {
	op := h.cfg.Operator.Public().Address()
	account := h.role.account + " " + op.String()
	var tf *txFailure
	switch {
	case errors.Is(err, tx.ErrUnaffordableFee) || errors.Is(err, bank.ErrInsufficientFunds):
		s := fmt.Sprintf("waiting for %s to be funded", account)
		if bal, _, berr := h.client.Balance(ctx, op, false); berr == nil {
			s += ": has " + bal.PHA()
			if errors.As(err, &tf) && tf.gasLimit > 0 {
				if p, perr := h.client.Params(ctx); perr == nil {
					if need, merr := pha.Units(tf.gasLimit).MulUint64(p.MinGasPrice); merr == nil {
						s += ", " + tf.purpose + " needs about " + need.PHA()
					}
				}
			}
		}
		return s
	case errors.Is(err, client.ErrMempoolFull):
		return "waiting for room in the node's mempool"
	case errors.Is(err, client.ErrTimeout):
		return "waiting for the chain to commit the transaction"
	case errors.Is(err, tx.ErrStaleNonce) || errors.Is(err, tx.ErrFutureNonce):
		return fmt.Sprintf("waiting for the nonce of %s to settle (does another program send from this account?)", account)
	case errors.Is(err, registry.ErrNotValidator):
		// Staking changes it: a candidate's first bond allows its
		// consensus key's account; leaving the set for good retires it.
		return fmt.Sprintf("waiting for %s to be a gatekeeper candidate's: it is no genesis validator, and no staking candidate stands under this node's consensus key (phalanx tx staking bond OPERATOR AMOUNT <the node's validator_pubkey>), or the candidate left", account)
	case errors.Is(err, registry.ErrStaleAttestation) || errors.Is(err, registry.ErrAttestationReused):
		return "waiting for the chain's time to pass the attestation's; attesting again"
	}
	var te *client.TxError
	if errors.As(err, &te) {
		return "the chain refused a transaction; retrying"
	}
	if h.nodes != nil {
		if len(h.nodes.urls) > 1 {
			return fmt.Sprintf("waiting for a node (%s)", h.nodes.String())
		}
		return fmt.Sprintf("waiting for the node at %s", h.nodes.Primary())
	}
	return "waiting for the node"
}
