package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker/follow"
)

// releasedSealing reports whether the host's enclave takes its sealing
// root from the gatekeepers' key manager: a worker on TDX, which has no
// sealing key, or on sim when TEE.Released asks for it (to develop and
// test the release without hardware). A gatekeeper's own enclave keeps
// its platform's sealing: it holds the master key the roots derive from.
func releasedSealing(cfg Config, r role) bool {
	return r.kind == registry.RoleWorker && (cfg.Platform == tee.TDX || cfg.Platform == tee.Sim && cfg.TEE.Released)
}

// rootWait bounds how long one sealing root request waits for its
// answer before the host asks again with a new key.
const rootWait = 2 * time.Minute

// openReleased opens the enclave with its sealing root released by the
// key manager. It asks again, with a growing pause, while the chain
// cannot answer yet (no master key, no holder online, an operator
// without funds), and stops on what will not change: a refusal of the
// enclave, or a proven answer that does not open its disk key. A restart
// reads the answer without a proof first (the disk key authenticates
// it), and with one when that answer does not open the key.
func (h *Host) openReleased(ctx context.Context) (*enclave.Enclave, error) {
	gen, err := h.genesis(ctx)
	if err != nil {
		return nil, err
	}
	h.chainID = gen.ChainID
	first := !exists(filepath.Join(h.cfg.Home, enclave.WrappedKeyFile))
	var f *follow.Follower
	if first {
		// Nothing the enclave sealed exists yet, so the answer must be
		// proven: from the root of trust, as a first start follows.
		if f, err = follow.New(h.rpc, h.followOptions(gen), nil); err != nil {
			return nil, err
		}
	}
	pause := h.cfg.Poll
	for {
		e, created, err := h.tryRelease(ctx, f)
		if err == nil {
			h.logOpened(e, created)
			return e, nil
		}
		if errors.Is(err, enclave.ErrSealingRoot) && f == nil {
			// The answer was read as the node gave it. Before concluding
			// that this is another image or machine, read the next one
			// with a proof: a node that lies cannot stop the worker.
			h.log.Warn("the sealing root released does not open the disk key; asking again, with a proof", "err", err)
			if f, err = follow.New(h.rpc, h.followOptions(gen), nil); err != nil {
				return nil, err
			}
			continue
		}
		var refused *RefusedError
		if ctx.Err() != nil || errors.As(err, &refused) || errors.Is(err, enclave.ErrSealingRoot) || errors.Is(err, enclave.ErrSealedKeys) {
			return nil, err
		}
		pause = min(2*pause, maxRetryPause)
		h.log.Warn("waiting for the key manager to release the sealing root", "retry_in", pause, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// tryRelease makes one sealing root request and opens the enclave with
// its answer.
func (h *Host) tryRelease(ctx context.Context, f *follow.Follower) (*enclave.Enclave, bool, error) {
	st, err := h.rpc.Status(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("node status: %w", err)
	}
	rel := enclave.Release{ChainID: h.chainID, Sender: h.cfg.Operator.Public().Address(), At: st.SyncInfo.LatestBlockTime,
		Fetch: func(ctx context.Context, m *registry.MsgRequestSealingRoot) ([]byte, bool, error) {
			return h.fetchRoot(ctx, f, m)
		}}
	return enclave.OpenReleased(ctx, h.cfg.Platform, h.cfg.TEE, h.cfg.Home, rel)
}

// fetchRoot sends a sealing root request and waits for its answer: read
// with a proof when f is set, as it is read on a first start.
func (h *Host) fetchRoot(ctx context.Context, f *follow.Follower, m *registry.MsgRequestSealingRoot) ([]byte, bool, error) {
	h.keepCollateral(ctx, m.Evidence, time.Unix(m.AttestedAt, 0))
	h.log.Info("asking the key manager for the sealing root", "platform", m.Evidence.Platform, "epochs", m.Epochs)
	if _, err := h.submit(ctx, []module.Msg{m}, client.TxOptions{GasLimit: RegisterGas}); err != nil {
		if r := refusal(err); r != nil {
			return nil, false, r
		}
		return nil, false, &txFailure{op: "request the sealing root", purpose: "a sealing root request", gasLimit: RegisterGas, err: err}
	}
	key := keys.SealingRootAnswerKey(keys.SealingRootID(m.EncryptionKey))
	wctx, cancel := context.WithTimeout(ctx, rootWait)
	defer cancel()
	for {
		raw, err := h.readRoot(wctx, f, key)
		if err != nil {
			return nil, false, err
		}
		if raw != nil {
			a, err := keys.DecodeRootAnswer(raw)
			if err != nil {
				return nil, false, fmt.Errorf("%w: %v", ErrMessage, err)
			}
			h.log.Info("sealing root released", "by", a.From, "height", a.Height)
			return a.Sealed, f != nil, nil
		}
		select {
		case <-wctx.Done():
			return nil, false, fmt.Errorf("no holder of the master key answered within %s", rootWait)
		case <-time.After(h.cfg.Poll):
		}
	}
}

// readRoot reads an answer: proven through f, or else as the node gives
// it (the enclave then trusts it only if it opens its wrapped key).
func (h *Host) readRoot(ctx context.Context, f *follow.Follower, key []byte) ([]byte, error) {
	if f != nil {
		if err := f.Sync(ctx, 0, nil); err != nil {
			return nil, err
		}
		v, _, err := f.Prove(ctx, key)
		if errors.Is(err, follow.ErrNoState) {
			return nil, nil
		}
		return v, err
	}
	return h.queryUnproven(ctx, key)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
