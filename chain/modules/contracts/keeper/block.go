package keeper

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/pha"
)

// EndBlock closes the commands whose deadline (in block time) has come
// without a result.
// They are found through the deadline index, so a block's work is the
// commands due in it, not every open command. Each is counted once more
// against its cluster's workers of now (a cluster that lost a silent
// worker may have a majority after all); with a majority it settles as a
// vote would have settled it, otherwise it closes with StatusNoMajority:
// the caller gets the whole escrow back, and no worker is judged, since
// with no majority the chain cannot tell which result was wrong.
func (k *Keeper) EndBlock(ctx *module.Context) error {
	if err := k.followMasterKey(ctx); err != nil {
		return err
	}
	kv := ctx.Store()
	type due struct{ cluster, seq uint64 }
	var dues []due
	kv.Iterate(contracts.DeadlinePrefix(), func(key, _ []byte) bool {
		rest := key[len(contracts.DeadlinePrefix()):]
		if int64(binary.BigEndian.Uint64(rest)) > ctx.Block.Time.UnixNano() {
			return false
		}
		dues = append(dues, due{binary.BigEndian.Uint64(rest[8:]), binary.BigEndian.Uint64(rest[16:])})
		return true
	})
	for _, d := range dues {
		cmd, _ := k.Command(kv, d.cluster, d.seq)
		c, _ := k.Cluster(kv, d.cluster)
		if _, done := k.Result(kv, d.cluster, d.seq); done {
			k.closeCommand(kv, cmd) // recorded already; only the index was left
			continue
		}
		t := k.tally(kv, c, d.seq)
		if t.majority(c) {
			v, _ := get[contracts.ResultVote](kv, contracts.BallotKey(c.ID, d.seq, t.lead))
			if err := k.record(ctx, c, cmd, v, t); err != nil {
				return err
			}
			continue
		}
		if err := k.closeWithoutMajority(ctx, c, cmd, t); err != nil {
			return err
		}
	}
	return nil
}

// closeWithoutMajority records that no result had a majority of the
// cluster by the command's deadline, refunds its escrow, and fails an
// instantiation (its contract has no key the cluster agreed on).
func (k *Keeper) closeWithoutMajority(ctx *module.Context, c contracts.Cluster, cmd contracts.Command, t tally) error {
	kv := ctx.Store()
	need := len(c.Workers)/2 + 1
	msg := fmt.Sprintf("%d of the cluster's %d workers answered by height %d and at most %d agreed; %d had to agree",
		t.voters, len(c.Workers), ctx.Block.Height, len(t.agree), need)
	if t.voters == 0 {
		msg = fmt.Sprintf("none of the cluster's %d workers answered by height %d", len(c.Workers), ctx.Block.Height)
	}
	v := contracts.ResultVote{Cluster: cmd.Cluster, Seq: cmd.Seq, Status: contracts.StatusNoMajority, Message: msg}
	retry := false
	switch cmd.Kind {
	case contracts.KindInstantiate:
		ct, _ := k.Contract(kv, cmd.Contract)
		ct.Status, ct.Error = contracts.StatusNoMajority, msg
		set(kv, contracts.ContractKey(ct.ID), ct)
	case contracts.KindRekey:
		// The contract keeps waiting for its key: it is asked for again,
		// after this one in the log, unless a newer generation's rekey is
		// there already. Failing the contract instead would lose its
		// state for a cluster that was briefly short of workers. A
		// cluster with no worker left parks it (asking again would grow
		// its log at every deadline, unpaid, for as long as it stays
		// empty): the owner's next worker asks for it (handleAddWorker).
		ct, _ := k.Contract(kv, cmd.Contract)
		retry = !ct.Failed() && cmd.KeyGen == c.KeyGen && len(c.Workers) > 0
	default:
		if err := k.bank.Move(kv, contracts.Account(), cmd.Caller, cmd.Escrow); err != nil {
			return err
		}
	}
	k.closeCommand(kv, cmd)
	set(kv, contracts.ResultKey(cmd.Cluster, cmd.Seq), contracts.Result{ResultVote: v, Height: ctx.Block.Height, Paid: pha.Amount{}})
	k.emitResult(ctx, cmd, v)
	if retry {
		k.appendCommand(ctx, &c, contracts.Command{Kind: contracts.KindRekey, Contract: cmd.Contract, Caller: c.Owner, KeyGen: c.KeyGen})
	}
	return nil
}
