package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/phalanx-net/phalanx/chain/statedb"
)

func sampleNodes(n int) []statedb.ExportNode {
	var out []statedb.ExportNode
	for i := range n {
		out = append(out, statedb.ExportNode{Key: []byte(fmt.Sprintf("key/%04d", i)), Value: bytes.Repeat([]byte{byte(i)}, 40), Version: int64(i + 1), Height: 0})
		if i%2 == 1 {
			out = append(out, statedb.ExportNode{Key: []byte(fmt.Sprintf("key/%04d", i)), Version: int64(i + 1), Height: 1})
		}
	}
	return out
}

func chunksOf(t *testing.T, nodes []statedb.ExportNode, size int) [][]byte {
	t.Helper()
	var chunks [][]byte
	c := NewChunker(size, func(b []byte) error { chunks = append(chunks, b); return nil })
	for _, n := range nodes {
		if err := c.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return chunks
}

func TestChunksRoundTripInOrder(t *testing.T) {
	nodes := sampleNodes(100)
	chunks := chunksOf(t, nodes, 512)
	if len(chunks) < 5 {
		t.Fatalf("%d chunks of 512 bytes for %d nodes", len(chunks), len(nodes))
	}
	var got []statedb.ExportNode
	for i, c := range chunks {
		ns, err := Decode(c)
		if err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		got = append(got, ns...)
	}
	if fmt.Sprint(got) != fmt.Sprint(nodes) {
		t.Fatal("decoded nodes differ from the encoded ones")
	}
	// The same nodes always give the same chunks.
	again := chunksOf(t, nodes, 512)
	for i := range chunks {
		if !bytes.Equal(chunks[i], again[i]) {
			t.Fatalf("chunk %d differs between two runs", i)
		}
	}
	// An empty tree still has one (empty) chunk.
	empty := chunksOf(t, nil, 512)
	if ns, err := Decode(empty[0]); len(empty) != 1 || err != nil || len(ns) != 0 {
		t.Fatalf("empty snapshot: %d chunks, %v, %d nodes", len(empty), err, len(ns))
	}
}

func TestDecodeRefusesBadChunks(t *testing.T) {
	good := chunksOf(t, sampleNodes(3), 0)[0]
	for name, b := range map[string][]byte{
		"empty":       {},
		"bad magic":   append([]byte("XXXX"), good[4:]...),
		"bad format":  append(append([]byte{}, good[:4]...), append([]byte{9}, good[5:]...)...),
		"truncated":   good[:len(good)-3],
		"zero key":    append(append([]byte{}, good[:5]...), 0, 1, 0, 0),
		"zero ver":    append(append([]byte{}, good[:5]...), 0, 0, 1, 'k', 0),
		"neg height":  append(append([]byte{}, good[:5]...), 0x80, 1, 1, 'k'),
		"huge key":    append(append([]byte{}, good[:5]...), 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"oversized":   make([]byte, MaxChunkBytes+1),
		"bad varint":  append(append([]byte{}, good[:5]...), 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"long varint": append(append([]byte{}, good[:5]...), 0, 0x81, 0x00, 1, 'k', 0),
		"value short": append(append([]byte{}, good[:5]...), 0, 1, 1, 'k', 5, 'a'),
	} {
		if _, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestMetadataRoundTripAndChunkCheck(t *testing.T) {
	chunks := chunksOf(t, sampleNodes(50), 256)
	dir := t.TempDir()
	s, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	export := func(yield func(statedb.ExportNode) error) error {
		for _, n := range sampleNodes(50) {
			if err := yield(n); err != nil {
				return err
			}
		}
		return nil
	}
	info, err := s.Write(10, 256, export)
	if err != nil {
		t.Fatal(err)
	}
	if int(info.Chunks) != len(chunks) || info.Format != Format {
		t.Fatalf("info %+v, want %d chunks", info, len(chunks))
	}
	m, err := DecodeMetadata(info.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Hash(), info.Hash) || !bytes.Equal(m.Encode(), info.Metadata) {
		t.Fatal("metadata does not round-trip")
	}
	for i := range info.Chunks {
		c, err := s.Chunk(10, i)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c, chunks[i]) {
			t.Fatalf("stored chunk %d differs", i)
		}
		if err := m.CheckChunk(i, c); err != nil {
			t.Fatal(err)
		}
	}
	tampered := append([]byte{}, chunks[1]...)
	tampered[len(tampered)-1] ^= 1
	if err := m.CheckChunk(1, tampered); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("tampered chunk: %v", err)
	}
	if err := m.CheckChunk(info.Chunks, chunks[0]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("chunk past the end: %v", err)
	}
	if _, err := s.Chunk(10, info.Chunks); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing chunk: %v", err)
	}
	for name, b := range map[string][]byte{
		"empty":      {},
		"no chunks":  append(append([]byte{}, info.Metadata[:5]...), 0),
		"short list": info.Metadata[:len(info.Metadata)-1],
		"bad magic":  append([]byte("PXSC"), info.Metadata[4:]...),
	} {
		if _, err := DecodeMetadata(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}

	// Newest first; Prune keeps the newest.
	for _, h := range []int64{20, 30} {
		if _, err := s.Write(h, 256, export); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Write(40, 256, func(func(statedb.ExportNode) error) error { return errors.New("disk full") }); err == nil {
		t.Fatal("a failed export wrote a snapshot")
	}
	if err := s.Prune(2); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Height != 30 || list[1].Height != 20 {
		t.Fatalf("after Prune(2): %+v", list)
	}
	if _, err := s.Chunk(10, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pruned snapshot's chunk: %v", err)
	}
}
