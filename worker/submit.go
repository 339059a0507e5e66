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
func (w *Worker) submit(ctx context.Context, msgs []module.Msg, o client.TxOptions) (*client.Result, error) {
	t, err := w.client.Build(ctx, w.cfg.Operator, msgs, o)
	if err != nil {
		return nil, err
	}
	b, err := t.Encode()
	if err != nil {
		return nil, err
	}
	return w.client.Resume(ctx, b, o.Timeout)
}
