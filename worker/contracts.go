package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
)

// maxCommandsPerRound bounds the commands a round executes before it
// posts their results, so results flow while a long log is replayed.
const maxCommandsPerRound = 64

// executeCommands runs, in order, the new commands of every cluster whose
// key the enclave holds and posts the results. A result the chain has
// recorded already (a worker catching up) is compared, not posted.
func (w *Worker) executeCommands(ctx context.Context) error {
	for _, id := range w.enc.Clusters() {
		raw, err := w.prove(ctx, contracts.ClusterKey(id))
		if err != nil {
			return err
		}
		if raw == nil {
			return fmt.Errorf("%w: cluster %d has a key but no record", ErrMessage, id)
		}
		c, err := contracts.Decode[contracts.Cluster](raw)
		if err != nil {
			return fmt.Errorf("%w: cluster %d: %v", ErrMessage, id, err)
		}
		if !member(c, w.enc.Identity()) {
			if _, was := w.left.LoadOrStore(id, struct{}{}); !was {
				w.log.Warn("this worker is no longer in the cluster: it stops executing its commands and answering its queries", "cluster", id)
			}
			continue
		}
		w.left.Delete(id)
		next, err := w.contracts.Progress(id)
		if err != nil {
			return err
		}
		for seq := next; seq < c.Commands && seq < next+maxCommandsPerRound; seq++ {
			err := w.executeOne(ctx, id, seq)
			if errors.Is(err, enclave.ErrNoClusterKey) {
				// A new key generation whose share is still on its way
				// through the chain: the cluster waits, the others go on.
				w.log.Info("waiting for the cluster's new key", "cluster", id, "seq", seq, "err", err)
				break
			}
			if err != nil {
				return err
			}
		}
		if err := w.postResults(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func member(c contracts.Cluster, id crypto.PublicKey) bool {
	for _, w := range c.Workers {
		if w == id {
			return true
		}
	}
	return false
}

func (w *Worker) executeOne(ctx context.Context, cluster, seq uint64) error {
	raw, err := w.prove(ctx, contracts.CommandKey(cluster, seq))
	if err != nil {
		return err
	}
	cmd, err := contracts.Decode[contracts.Command](raw)
	if raw == nil || err != nil {
		return fmt.Errorf("%w: command %d of cluster %d: %v", ErrMessage, seq, cluster, err)
	}
	raw, err = w.prove(ctx, contracts.ContractKey(cmd.Contract))
	if err != nil {
		return err
	}
	ct, err := contracts.Decode[contracts.Contract](raw)
	if raw == nil || err != nil {
		return fmt.Errorf("%w: contract %s: %v", ErrMessage, cmd.Contract, err)
	}
	vote, err := w.contracts.Execute(ctx, cmd, ct, w.loadCode)
	if err != nil {
		return err
	}
	// A failure is logged with its public reason only: what a panic said
	// is the caller's, like the rest of the call.
	switch {
	case vote.Status == contracts.StatusOK:
		w.log.Debug("command executed", "cluster", cluster, "seq", seq, "contract", cmd.Contract, "gas", vote.GasUsed)
	case cmd.Kind == contracts.KindInstantiate:
		w.log.Warn("contract instantiation failed", "cluster", cluster, "seq", seq, "contract", cmd.Contract,
			"status", contracts.StatusText(vote.Status), "reason", vote.Reason())
	default:
		w.log.Info("command failed", "cluster", cluster, "seq", seq, "contract", cmd.Contract,
			"status", contracts.StatusText(vote.Status), "reason", vote.Reason(), "gas", vote.GasUsed, "gas_limit", cmd.GasLimit)
	}
	w.metrics.commands.WithLabelValues(contracts.StatusText(vote.Status)).Inc()
	w.metrics.gas.Add(float64(vote.GasUsed))
	return nil
}

// loadCode fetches a code's prepared module, proven against the chain.
func (w *Worker) loadCode(ctx context.Context, h contracts.Hash) ([]byte, error) {
	raw, err := w.prove(ctx, contracts.CodeBytesKey(h))
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: code %s is not on the chain", ErrMessage, h)
	}
	return raw, nil
}

// postResults posts the cluster's executed results that the chain has
// not recorded yet.
func (w *Worker) postResults(ctx context.Context, cluster uint64) error {
	pending, err := w.contracts.Pending(cluster)
	if err != nil || len(pending) == 0 {
		return err
	}
	var out []enclave.Outgoing
	for _, v := range pending {
		raw, err := w.prove(ctx, contracts.ResultKey(cluster, v.Seq))
		if err != nil {
			return err
		}
		if raw != nil {
			res, err := contracts.Decode[contracts.Result](raw)
			if err != nil {
				return fmt.Errorf("%w: result %d of cluster %d: %v", ErrMessage, v.Seq, cluster, err)
			}
			if res.Status == contracts.StatusNoMajority {
				w.log.Warn("the chain closed this command without a majority: its caller was refunded",
					"cluster", cluster, "seq", v.Seq, "ours", v.Reason(), "reason", res.Message)
			} else if res.Digest != v.Digest() {
				w.log.Error("this worker's result differs from the one the cluster agreed on",
					"cluster", cluster, "seq", v.Seq, "ours", v.Reason(), "agreed", res.Reason())
			}
			continue
		}
		out = append(out, enclave.Outgoing{Topic: contracts.TopicResult, Payload: codec.MustMarshal(v)})
	}
	if err := w.postAll(ctx, out); err != nil {
		return err
	}
	return w.contracts.MarkPosted(cluster, pending[len(pending)-1].Seq)
}

// ContractStateRoot returns the root of a contract's state as this
// worker has executed it (for operators and tests: every worker of the
// cluster reaches the same one).
func (w *Worker) ContractStateRoot(id contracts.Hash) (contracts.Hash, bool, error) {
	if w.contracts == nil {
		return contracts.Hash{}, false, nil
	}
	return w.contracts.StateRoot(id)
}
