package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/statedb"
)

// Format is the version of the chunk and metadata encoding, CometBFT's
// Snapshot.Format. A node refuses snapshots of a format it does not know.
const Format uint32 = 1

// Limits of the format. CometBFT carries a chunk in a message of at most
// 16 MB and a snapshot's metadata in one of at most 4 MB.
const (
	// ChunkBytes is the size a chunk is cut at: nodes are added until the
	// chunk reaches it (a node larger than that makes a chunk of its own).
	ChunkBytes = 4 << 20
	// MaxChunkBytes bounds a chunk received from a peer.
	MaxChunkBytes = 15 << 20
	// MaxChunks bounds the chunks of one snapshot (its metadata is 32
	// bytes a chunk).
	MaxChunks = 100_000
	// MaxKeyBytes bounds a state key in a chunk.
	MaxKeyBytes = 64 << 10
)

var (
	chunkMagic = []byte("PXSC")
	metaMagic  = []byte("PXSM")
)

// ErrMalformed is returned for a chunk or metadata that does not decode.
var ErrMalformed = errors.New("malformed snapshot data")

// Chunker cuts a stream of exported nodes into chunks.
type Chunker struct {
	size int // cut size; ChunkBytes unless a test wants small chunks
	buf  []byte
	emit func(chunk []byte) error
}

// NewChunker returns a Chunker that passes each finished chunk to emit.
// size is the cut size; 0 means ChunkBytes.
func NewChunker(size int, emit func(chunk []byte) error) *Chunker {
	if size <= 0 {
		size = ChunkBytes
	}
	return &Chunker{size: size, emit: emit}
}

// Add appends a node, emitting the current chunk first if it is full.
func (c *Chunker) Add(n statedb.ExportNode) error {
	if len(c.buf) >= c.size {
		if err := c.flush(); err != nil {
			return err
		}
	}
	if c.buf == nil {
		c.buf = append(append(make([]byte, 0, c.size+64), chunkMagic...), byte(Format))
	}
	c.buf = appendNode(c.buf, n)
	return nil
}

// Close emits the last chunk. A snapshot of an empty tree has no nodes
// and still one chunk, so that every snapshot has at least one.
func (c *Chunker) Close() error {
	if c.buf == nil {
		c.buf = append(append([]byte(nil), chunkMagic...), byte(Format))
	}
	return c.flush()
}

func (c *Chunker) flush() error {
	b := c.buf
	c.buf = nil
	return c.emit(b)
}

// appendNode encodes one node: its height (a byte), its version, its key
// and, for a leaf, its value, each length-prefixed with a uvarint.
func appendNode(b []byte, n statedb.ExportNode) []byte {
	b = append(b, byte(n.Height))
	b = binary.AppendUvarint(b, uint64(n.Version))
	b = binary.AppendUvarint(b, uint64(len(n.Key)))
	b = append(b, n.Key...)
	if n.Height == 0 {
		b = binary.AppendUvarint(b, uint64(len(n.Value)))
		b = append(b, n.Value...)
	}
	return b
}

// Decode decodes a chunk into its nodes. It checks the encoding only; the
// importer checks that the nodes form a tree, and the restoring node that
// the tree has the trusted root.
func Decode(chunk []byte) ([]statedb.ExportNode, error) {
	if len(chunk) > MaxChunkBytes {
		return nil, fmt.Errorf("%w: chunk of %d bytes exceeds %d", ErrMalformed, len(chunk), MaxChunkBytes)
	}
	if len(chunk) < len(chunkMagic)+1 || !bytes.Equal(chunk[:len(chunkMagic)], chunkMagic) {
		return nil, fmt.Errorf("%w: not a snapshot chunk", ErrMalformed)
	}
	if v := chunk[len(chunkMagic)]; uint32(v) != Format {
		return nil, fmt.Errorf("%w: chunk format %d, want %d", ErrMalformed, v, Format)
	}
	r := reader{b: chunk[len(chunkMagic)+1:]}
	var out []statedb.ExportNode
	for len(r.b) > 0 {
		n, err := r.node()
		if err != nil {
			return nil, fmt.Errorf("%w: node %d: %v", ErrMalformed, len(out), err)
		}
		out = append(out, n)
	}
	return out, nil
}

type reader struct{ b []byte }

func (r *reader) uvarint(what string) (uint64, error) {
	v, n := binary.Uvarint(r.b)
	// Only the shortest encoding is accepted: a chunk has one encoding.
	if n <= 0 || n != len(binary.AppendUvarint(nil, v)) {
		return 0, fmt.Errorf("bad %s", what)
	}
	r.b = r.b[n:]
	return v, nil
}

func (r *reader) bytes(what string, limit int) ([]byte, error) {
	n, err := r.uvarint(what + " length")
	if err != nil {
		return nil, err
	}
	if n > uint64(limit) || n > uint64(len(r.b)) {
		return nil, fmt.Errorf("%s of %d bytes: too long or truncated", what, n)
	}
	out := append(make([]byte, 0, n), r.b[:n]...)
	r.b = r.b[n:]
	return out, nil
}

func (r *reader) node() (statedb.ExportNode, error) {
	var n statedb.ExportNode
	h := int8(r.b[0])
	r.b = r.b[1:]
	if h < 0 {
		return n, fmt.Errorf("height %d", h)
	}
	n.Height = h
	v, err := r.uvarint("version")
	if err != nil {
		return n, err
	}
	if v == 0 || v > 1<<62 {
		return n, fmt.Errorf("version %d", v)
	}
	n.Version = int64(v)
	if n.Key, err = r.bytes("key", MaxKeyBytes); err != nil {
		return n, err
	}
	if len(n.Key) == 0 {
		return n, errors.New("empty key")
	}
	if h == 0 {
		if n.Value, err = r.bytes("value", MaxChunkBytes); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Metadata is what a snapshot's CometBFT metadata holds: the hash of
// every chunk, in order.
type Metadata struct {
	ChunkHashes [][sha256.Size]byte
}

// Encode encodes the metadata.
func (m Metadata) Encode() []byte {
	b := append(append(make([]byte, 0, len(metaMagic)+1+binary.MaxVarintLen64+len(m.ChunkHashes)*sha256.Size), metaMagic...), byte(Format))
	b = binary.AppendUvarint(b, uint64(len(m.ChunkHashes)))
	for _, h := range m.ChunkHashes {
		b = append(b, h[:]...)
	}
	return b
}

// Hash is the snapshot's hash: SHA-256 of the encoded metadata, so two
// snapshots are the same exactly when their chunks are.
func (m Metadata) Hash() []byte {
	h := sha256.Sum256(m.Encode())
	return h[:]
}

// DecodeMetadata decodes a snapshot's metadata.
func DecodeMetadata(b []byte) (Metadata, error) {
	var m Metadata
	if len(b) < len(metaMagic)+1 || !bytes.Equal(b[:len(metaMagic)], metaMagic) {
		return m, fmt.Errorf("%w: not snapshot metadata", ErrMalformed)
	}
	if v := b[len(metaMagic)]; uint32(v) != Format {
		return m, fmt.Errorf("%w: metadata format %d, want %d", ErrMalformed, v, Format)
	}
	r := reader{b: b[len(metaMagic)+1:]}
	n, err := r.uvarint("chunk count")
	if err != nil {
		return m, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if n == 0 || n > MaxChunks {
		return m, fmt.Errorf("%w: %d chunks (1 to %d)", ErrMalformed, n, MaxChunks)
	}
	if uint64(len(r.b)) != n*sha256.Size {
		return m, fmt.Errorf("%w: %d bytes of chunk hashes for %d chunks", ErrMalformed, len(r.b), n)
	}
	m.ChunkHashes = make([][sha256.Size]byte, n)
	for i := range m.ChunkHashes {
		copy(m.ChunkHashes[i][:], r.b[i*sha256.Size:])
	}
	return m, nil
}

// CheckChunk reports whether chunk i has the hash the metadata lists.
func (m Metadata) CheckChunk(i uint32, chunk []byte) error {
	if int(i) >= len(m.ChunkHashes) {
		return fmt.Errorf("%w: chunk %d of %d", ErrMalformed, i, len(m.ChunkHashes))
	}
	if sha256.Sum256(chunk) != m.ChunkHashes[i] {
		return fmt.Errorf("%w: chunk %d does not have the hash the metadata lists", ErrBadChunk, i)
	}
	return nil
}

// ErrBadChunk is returned for a chunk whose hash is not the one listed:
// the peer that sent it sent something else than the snapshot.
var ErrBadChunk = errors.New("snapshot chunk hash mismatch")
