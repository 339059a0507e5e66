//go:build phalanxliar

package enclave

import (
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave/internal/executor"
)

// Lie makes the enclave id post wrong results of its calls from now on.
// FAULT INJECTION, FOR TESTS ONLY: this file is compiled only with -tags
// phalanxliar, never into a release binary (see the executor's liar.go).
func Lie(id crypto.PublicKey) { executor.Lie(id) }
