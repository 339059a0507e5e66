// Package codec is the one encoding of everything the chain signs, stores
// or hashes: canonical CBOR (RFC 8949 §4.2.1, "core deterministic"), with
// github.com/fxamacker/cbor/v2.
//
// Why CBOR and not protobuf: protobuf's wire format is not canonical (field
// order, default values and unknown fields vary between encoders), so a
// signature over protobuf needs extra rules on top; CBOR's core
// deterministic encoding is canonical by specification, and Go structs map
// to it with tags and no code generation. Decoding here is strict: unknown
// fields, duplicate map keys, indefinite lengths, unexpected tags and
// anything that does not re-encode to the same bytes are refused, so each
// value has exactly one encoding and each transaction exactly one hash.
package codec
