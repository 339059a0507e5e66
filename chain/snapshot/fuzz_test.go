package snapshot

import (
	"bytes"
	"testing"

	"github.com/phalanx-net/phalanx/chain/statedb"
)

// FuzzDecode feeds arbitrary bytes to the decoders of what a restoring
// node receives from its peers: chunks and snapshot metadata. Neither may
// panic, and whatever decodes must encode back to the same bytes (a chunk
// has one encoding, so its hash names its content).
func FuzzDecode(f *testing.F) {
	var chunks [][]byte
	c := NewChunker(200, func(b []byte) error { chunks = append(chunks, b); return nil })
	for _, n := range sampleNodes(8) {
		_ = c.Add(n)
	}
	_ = c.Close()
	for _, ch := range chunks {
		f.Add(ch)
	}
	f.Add(Metadata{ChunkHashes: make([][32]byte, 2)}.Encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if nodes, err := Decode(b); err == nil {
			var out []byte
			c := NewChunker(MaxChunkBytes, func(ch []byte) error { out = ch; return nil })
			for _, n := range nodes {
				if err := c.Add(statedb.ExportNode(n)); err != nil {
					t.Fatal(err)
				}
			}
			_ = c.Close()
			if !bytes.Equal(out, b) {
				t.Fatalf("chunk does not re-encode to itself:\n in %x\nout %x", b, out)
			}
		}
		if m, err := DecodeMetadata(b); err == nil {
			if !bytes.Equal(m.Encode(), b) {
				t.Fatalf("metadata does not re-encode to itself")
			}
		}
	})
}
