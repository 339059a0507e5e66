package registry

import (
	"crypto/sha256"

	"github.com/phalanx-net/phalanx/crypto/domain"
)

// machinePrefix indexes workers by the machine their evidence comes from:
// registry/machine/<SHA-256 of the platform and the machine id> → the
// worker's identity.
var machinePrefix = []byte("registry/machine/")

// MachineKey is the state key of the worker registered on a machine
// (verify.Verified.Machine) of a platform. The id is hashed so that every
// key has one length, whatever a platform's ids are.
func MachineKey(platform string, machine []byte) []byte {
	h := sha256.New()
	h.Write([]byte(domain.RegistryMachine))
	h.Write([]byte(platform))
	h.Write([]byte{0})
	h.Write(machine)
	return h.Sum(append([]byte(nil), machinePrefix...))
}
