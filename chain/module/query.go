package module

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanx-net/phalanx/crypto"
)

// Query is one ABCI query path a module answers. A query names either one
// state key, computed from the query's data by Key, whose answer can come
// with a proof; or, with Prefix set, a list of the records under a prefix,
// without proof.
type Query struct {
	Path string
	// Data says what the query's data is, for the docs ("" for none).
	Data string
	// Key returns the state key for the query's data; its error says what
	// the data should be, and becomes the query's ErrBadQuery.
	Key func(data []byte) ([]byte, error)
	// Prefix, for a list, is the prefix of the records listed.
	Prefix []byte
	// Module is the name of the module that declared the query; the
	// manager sets it.
	Module string
}

// FixedQuery is a query of one fixed key; it takes no data.
func FixedQuery(path string, key []byte) Query {
	return Query{Path: path, Key: func([]byte) ([]byte, error) { return key, nil }}
}

// AddressQuery is a query whose data is an account address.
func AddressQuery(path string, key func(crypto.Address) []byte) Query {
	return Query{Path: path, Data: "a 20-byte address", Key: func(data []byte) ([]byte, error) {
		a, err := crypto.AddressFromBytes(data)
		if err != nil {
			return nil, fmt.Errorf("wants a 20-byte address: %w", err)
		}
		return key(a), nil
	}}
}

// IdentityQuery is a query whose data is an enclave's identity key.
func IdentityQuery(path string, key func(crypto.PublicKey) []byte) Query {
	return Query{Path: path, Data: "a 32-byte identity key", Key: func(data []byte) ([]byte, error) {
		id, err := crypto.PublicKeyFromBytes(data)
		if err != nil {
			return nil, fmt.Errorf("wants a 32-byte identity key: %w", err)
		}
		return key(id), nil
	}}
}

// SizedQuery is a query whose data is n bytes, described by what.
func SizedQuery(path string, n int, what string, key func(data []byte) []byte) Query {
	return Query{Path: path, Data: what, Key: func(data []byte) ([]byte, error) {
		if len(data) != n {
			return nil, fmt.Errorf("wants %s", what)
		}
		return key(data), nil
	}}
}

// Uint64Query is a query whose data is one big-endian uint64, what names.
func Uint64Query(path, what string, key func(uint64) []byte) Query {
	return SizedQuery(path, 8, "an 8-byte "+what, func(d []byte) []byte { return key(binary.BigEndian.Uint64(d)) })
}

// ListQuery is a query that lists every record under prefix, without
// proof.
func ListQuery(path string, prefix []byte) Query {
	return Query{Path: path, Data: "none; lists every record, without proof", Prefix: prefix}
}
