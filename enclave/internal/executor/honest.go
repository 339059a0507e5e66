//go:build !phalanxliar

package executor

import "github.com/phalanx-net/phalanx/chain/modules/contracts"

// tamper does nothing: every build but the fault-injection test build
// (liar.go, tag phalanxliar) posts the results it computed.
func (*Executor) tamper(contracts.Command, *contracts.ResultVote) {}
