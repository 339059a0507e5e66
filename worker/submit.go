package worker

import (
	"context"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// submit signs msgs from the operator once and has the chain commit them
// with the client's Resume: the same bytes are sent again (through the
// failover transport, to whichever node is the primary by then) until
// they are in a block, so the transaction keeps its nonce and cannot
// apply twice, and it is looked up by hash before it is called failed.
func (h *Host) submit(ctx context.Context, msgs []module.Msg, o client.TxOptions) (*client.Result, error) {
	t, err := h.client.Build(ctx, h.cfg.Operator, msgs, o)
	if err != nil {
		return nil, err
	}
	b, err := t.Encode()
	if err != nil {
		return nil, err
	}
	return h.client.Resume(ctx, b, o.Timeout)
}
