package enclave

import "errors"

var (
	// ErrSealedKeys is returned when the sealed keys exist but cannot be
	// unsealed: another enclave (or machine) sealed them, or they were
	// tampered with. The enclave refuses to start rather than make new keys
	// and lose its identity.
	ErrSealedKeys = errors.New("sealed enclave keys cannot be unsealed")
	// ErrSealed is returned for sealed data that does not unseal.
	ErrSealed = errors.New("sealed data cannot be unsealed")
	// ErrMessage is returned for a chain message to the enclave that does
	// not decode: a node or chain fault its host stops on.
	ErrMessage = errors.New("bad chain message")
	// ErrNoClusterKey is returned for a cluster whose key the enclave has
	// not received.
	ErrNoClusterKey = errors.New("no key for this cluster")
)
