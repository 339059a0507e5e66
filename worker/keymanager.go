package worker

import "context"

// KeyManager is a key-manager host: the shared loop (Host) around a
// gatekeeper's enclave, run beside its node (`phalanx node start
// --enclave`). Its enclave registers as a gatekeeper from the validator
// account (Config.Operator) and does the enclave's key work for the
// chain: it generates, hands over and rotates the master key and shares
// cluster keys to workers, all of it through the chain's messages. It
// runs no contracts and serves no queries.
type KeyManager struct {
	*Host
}

// NewKeyManager opens a key manager's enclave on its platform (creating and
// sealing keys on first start) and its checkpoint, and connects to the
// node. It does not touch the chain yet beyond reading its genesis.
func NewKeyManager(ctx context.Context, cfg Config) (*KeyManager, error) {
	h, err := newHost(ctx, cfg, gatekeeperRole)
	if err != nil {
		return nil, err
	}
	return &KeyManager{Host: h}, nil
}
