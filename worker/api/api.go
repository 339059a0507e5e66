package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// HTTP paths.
const (
	PathQuery   = "/v1/query"
	PathSession = "/v1/session" // POST to open; POST PathSession+"/"+id to query
	PathInfo    = "/v1/info"
)

// MaxBody bounds a request body.
const MaxBody = 128 << 10

// MaxClockSkew bounds how far a query's timestamp may be from the worker's
// clock; the worker remembers nonces for twice as long.
const MaxClockSkew = time.Minute

// Info is the HPKE info of queries and sessions to a worker: a request
// sealed for one worker or chain does not open at another.
func Info(chainID string, worker crypto.PublicKey) string {
	return domain.QuerySealInfo + chainID + " " + worker.String()
}

// SigningContext is the domain of query and session signatures.
var SigningContext = crypto.NewContext(domain.WorkerQuery)

// Query is a read-only call.
type Query struct {
	ChainID  string           `cbor:"1,keyasint"`
	Worker   crypto.PublicKey `cbor:"2,keyasint"`
	Contract contracts.Hash   `cbor:"3,keyasint"`
	Method   string           `cbor:"4,keyasint"`
	Args     []byte           `cbor:"5,keyasint"`
	Caller   crypto.PublicKey `cbor:"6,keyasint"`
	Time     int64            `cbor:"7,keyasint"` // unix milliseconds
	Nonce    [16]byte         `cbor:"8,keyasint"`
}

// SignedQuery is the plaintext of a one-shot query.
type SignedQuery struct {
	Query     Query  `cbor:"1,keyasint"`
	Signature []byte `cbor:"2,keyasint"`
}

// NewSignedQuery signs a query from caller, now, with a fresh nonce.
func NewSignedQuery(caller crypto.PrivateKey, q Query, now time.Time) SignedQuery {
	q.Caller, q.Time = caller.Public(), now.UnixMilli()
	rand.Read(q.Nonce[:])
	return SignedQuery{Query: q, Signature: caller.Sign(SigningContext, codec.MustMarshal(q))}
}

// Verify checks the signature.
func (s SignedQuery) Verify() bool {
	return crypto.Verify(s.Query.Caller, SigningContext, codec.MustMarshal(s.Query), s.Signature)
}

// Hello opens a session: signed by the caller over the session's id, so
// the session's key authenticates every later message as the caller's.
type Hello struct {
	ChainID   string           `cbor:"1,keyasint"`
	Worker    crypto.PublicKey `cbor:"2,keyasint"`
	SessionID [16]byte         `cbor:"3,keyasint"`
	Caller    crypto.PublicKey `cbor:"4,keyasint"`
	Time      int64            `cbor:"5,keyasint"`
}

// SignedHello is the first message of a session.
type SignedHello struct {
	Hello     Hello  `cbor:"1,keyasint"`
	Signature []byte `cbor:"2,keyasint"`
}

// NewSignedHello signs a session's hello.
func NewSignedHello(caller crypto.PrivateKey, h Hello, now time.Time) SignedHello {
	h.Caller, h.Time = caller.Public(), now.UnixMilli()
	return SignedHello{Hello: h, Signature: caller.Sign(SigningContext, codec.MustMarshal(h))}
}

// Verify checks the signature.
func (s SignedHello) Verify() bool {
	return crypto.Verify(s.Hello.Caller, SigningContext, codec.MustMarshal(s.Hello), s.Signature)
}

// OpenSession is the body of a session's opening request.
type OpenSession struct {
	Setup []byte `cbor:"1,keyasint"` // the HPKE encapsulation
	Hello []byte `cbor:"2,keyasint"` // session message 0: a SignedHello
}

// SessionQuery is the plaintext of a session message after the hello.
type SessionQuery struct {
	Contract contracts.Hash `cbor:"1,keyasint"`
	Method   string         `cbor:"2,keyasint"`
	Args     []byte         `cbor:"3,keyasint"`
}

// Answer is the plaintext of a sealed answer.
type Answer struct {
	Status  uint8  `cbor:"1,keyasint" json:"status"` // contracts.Status*
	Output  []byte `cbor:"2,keyasint" json:"output"` // the contract's output, or its error message
	GasUsed uint64 `cbor:"3,keyasint" json:"gas_used"`
	// Height is the chain height the worker had verified.
	Height int64 `cbor:"4,keyasint" json:"height"`
	// Error says why a query failed, for the caller: the status's name and
	// its detail, a panic's message included (the answer is sealed to the
	// caller), e.g. "panic: runtime error: index out of range [5] with
	// length 3". Empty on success.
	Error string `cbor:"5,keyasint,omitempty" json:"error,omitempty"`
}

// WorkerInfo is what GET PathInfo returns (JSON). A client takes the
// encryption key from the chain's registry, not from here.
type WorkerInfo struct {
	ChainID  string           `json:"chain_id"`
	Worker   crypto.PublicKey `json:"worker"`
	Height   int64            `json:"height"`
	Clusters []uint64         `json:"clusters"`
}

// Errors a refused request carries (HTTP status and text).
var (
	ErrMalformed      = errors.New("malformed query")
	ErrBadSignature   = errors.New("query signature does not verify")
	ErrStale          = errors.New("query timestamp outside the allowed window")
	ErrReplay         = errors.New("query replayed")
	ErrWrongWorker    = errors.New("query addressed to another worker or chain")
	ErrUnknown        = errors.New("unknown contract, or not in this worker's clusters")
	ErrUnknownSession = errors.New("unknown or expired session")
	ErrBusy           = errors.New("too many sessions")
)

// SessionIDString is a session id as it appears in a path.
func SessionIDString(id [16]byte) string { return hex.EncodeToString(id[:]) }

// ParseSessionID decodes a session id from a path.
func ParseSessionID(s string) ([16]byte, error) {
	var id [16]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 16 {
		return id, fmt.Errorf("%w: session id %q", ErrMalformed, s)
	}
	copy(id[:], b)
	return id, nil
}
