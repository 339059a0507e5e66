package worker

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// refusedWith is the chain's answer with this error's code, as it comes
// over the wire.
func refusedWith(e *module.Error) error {
	return fmt.Errorf("register: %w", &client.TxError{Codespace: e.Codespace, Code: e.Code, Log: "message 0 (registry/register-worker): " + e.Desc})
}

func TestRefusalsThatStopTheWorker(t *testing.T) {
	for _, e := range []*module.Error{registry.ErrSimNotAllowed, registry.ErrNotAllowlisted, registry.ErrDebugEnclave,
		registry.ErrVersionTooLow, registry.ErrReportData, tx.ErrWrongChainID, registry.ErrKeysChanged, registry.ErrBadAttestation} {
		err := refusedWith(e)
		r := refusal(err)
		if r == nil {
			t.Errorf("%s: not a refusal", e.Desc)
			continue
		}
		if !errors.Is(r, e) || r.Hint == "" || !strings.Contains(r.Error(), e.Desc) || !strings.Contains(r.Error(), r.Hint) {
			t.Errorf("%s: %v", e.Desc, r)
		}
	}
	// Not being a validator account is no refusal: a staking bond
	// changes it, so a gatekeeper's enclave waits.
	if r := refusal(refusedWith(registry.ErrNotValidator)); r != nil {
		t.Errorf("not a validator account stops the enclave: %v", r)
	}
	if r := refusal(refusedWith(registry.ErrSimNotAllowed)); !strings.Contains(r.Error(), "--allow-sim") {
		t.Errorf("the sim refusal does not say how to get a chain that allows sim: %v", r)
	}
}

func TestRefusalsOfTheMomentAreRetried(t *testing.T) {
	for _, e := range []*module.Error{tx.ErrUnaffordableFee, bank.ErrInsufficientFunds, tx.ErrStaleNonce, tx.ErrFutureNonce,
		tx.ErrGasPriceTooLow, registry.ErrStaleAttestation, registry.ErrAttestationReused, mq.ErrBadSequence} {
		err := refusedWith(e)
		if r := refusal(err); r != nil {
			t.Errorf("%s stops the worker: %v", e.Desc, r)
		}
		if !retryableRefusal(err) {
			t.Errorf("%s: a message refused for it would be dropped", e.Desc)
		}
	}
	// A message the chain refuses for its content is dropped, not retried.
	if retryableRefusal(refusedWith(registry.ErrBadMsg)) {
		t.Error("a bad message counts as retryable")
	}
	// Not a refusal at all: an unreachable node.
	if refusal(errors.New("dial tcp 127.0.0.1:26657: connection refused")) != nil {
		t.Error("a connection error stops the worker")
	}
}
