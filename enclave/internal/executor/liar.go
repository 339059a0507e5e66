//go:build phalanxliar

package executor

import (
	"sync"

	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
)

// FAULT INJECTION, FOR TESTS ONLY. This file is compiled only with
// -tags phalanxliar, never into a release binary: it lets a test make
// chosen workers post wrong results, to check that the chain outvotes,
// removes and slashes them.

var liars sync.Map // enclave identity → struct{}

// Lie makes the executors of the enclave id flip one byte of the output
// of every call they execute from now on (its state root, for a call
// without output). Instantiations stay honest, so the liar still joins
// its cluster's contracts.
func Lie(id crypto.PublicKey) { liars.Store(id, struct{}{}) }

func (x *Executor) tamper(cmd contracts.Command, vote *contracts.ResultVote) {
	if cmd.Kind != contracts.KindCall {
		return
	}
	if _, ok := liars.Load(x.cfg.Identity); !ok {
		return
	}
	if n := len(vote.Output); n > 0 {
		vote.Output = append([]byte(nil), vote.Output...)
		vote.Output[n-1] ^= 0xff
		return
	}
	vote.StateRoot[0] ^= 0xff
}
