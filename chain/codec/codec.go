package codec

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// ErrNotCanonical is returned for input that decodes but is not the
// canonical encoding of what it decodes to.
var ErrNotCanonical = errors.New("not canonical CBOR")

var (
	enc cbor.EncMode
	dec cbor.DecMode
)

func init() {
	var err error
	eo := cbor.CoreDetEncOptions()
	eo.BigIntConvert = cbor.BigIntConvertShortest
	if enc, err = eo.EncMode(); err != nil {
		panic(err)
	}
	do := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   16,
		MaxArrayElements:  65536,
		MaxMapPairs:       65536,
		NaN:               cbor.NaNDecodeForbidden,
		Inf:               cbor.InfDecodeForbidden,
	}
	if dec, err = do.DecMode(); err != nil {
		panic(err)
	}
}

// Marshal returns the canonical encoding of v.
func Marshal(v any) ([]byte, error) { return enc.Marshal(v) }

// MustMarshal is Marshal for values whose types always encode (plain
// structs of the chain's own types); a failure is a programming error.
func MustMarshal(v any) []byte {
	b, err := enc.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("codec: %T does not encode: %v", v, err))
	}
	return b
}

// Unmarshal decodes data into v strictly and checks that data is the
// canonical encoding of the result.
func Unmarshal(data []byte, v any) error {
	if err := dec.Unmarshal(data, v); err != nil {
		return err
	}
	again, err := enc.Marshal(v)
	if err != nil {
		return fmt.Errorf("re-encode: %w", err)
	}
	if !bytes.Equal(again, data) {
		return ErrNotCanonical
	}
	return nil
}

// RawMessage is an encoded value whose decoding is left for later.
type RawMessage = cbor.RawMessage

// UnmarshalState decodes a value this chain wrote to its own state. The
// state is canonical by construction (every write goes through Marshal),
// so the re-encoding check of Unmarshal, which doubles the cost of a
// decode, is left out; outside bytes always go through Unmarshal.
func UnmarshalState(data []byte, v any) error { return dec.Unmarshal(data, v) }
