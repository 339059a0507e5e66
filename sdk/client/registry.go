package client

import (
	"context"
	"errors"
	"fmt"
	"github.com/phalanx-net/phalanx/chain/query"

	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
)

// ErrNoSuchEnclave is returned for an identity the registry does not know.
var ErrNoSuchEnclave = errors.New("no such enclave registered")

// Worker returns a worker's record.
func (c *Client) Worker(ctx context.Context, id crypto.PublicKey, prove bool) (registry.Enclave, error) {
	return c.enclave(ctx, query.Worker, id, prove)
}

// Gatekeeper returns a gatekeeper enclave's record.
func (c *Client) Gatekeeper(ctx context.Context, id crypto.PublicKey, prove bool) (registry.Enclave, error) {
	return c.enclave(ctx, query.Gatekeeper, id, prove)
}

func (c *Client) enclave(ctx context.Context, path string, id crypto.PublicKey, prove bool) (registry.Enclave, error) {
	q, err := c.Get(ctx, path, id[:], 0, prove)
	if err != nil {
		return registry.Enclave{}, err
	}
	if q.Value == nil {
		return registry.Enclave{}, fmt.Errorf("%w: %s", ErrNoSuchEnclave, id)
	}
	e, err := registry.DecodeEnclave(q.Value)
	if err != nil {
		return e, fmt.Errorf("decode enclave record: %w", err)
	}
	return e, nil
}

// Workers lists every registered worker, in identity order.
func (c *Client) Workers(ctx context.Context) ([]registry.Enclave, error) {
	return c.enclaves(ctx, query.Workers)
}

// Gatekeepers lists every registered gatekeeper enclave.
func (c *Client) Gatekeepers(ctx context.Context) ([]registry.Enclave, error) {
	return c.enclaves(ctx, query.Gatekeepers)
}

func (c *Client) enclaves(ctx context.Context, path string) ([]registry.Enclave, error) {
	return list(ctx, c, path, registry.DecodeEnclave)
}

// RegistryParams returns the registry's parameters (the allowlist).
func (c *Client) RegistryParams(ctx context.Context) (registry.Params, error) {
	q, err := c.Get(ctx, query.RegistryParams, nil, 0, false)
	if err != nil {
		return registry.Params{}, err
	}
	return registry.DecodeParams(q.Value)
}
