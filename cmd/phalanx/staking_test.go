package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// A consensus key is read in base64, as phalanx init prints it, or hex;
// anything else, or another size, is refused saying what is wanted.
func TestParseConsensusKey(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	for _, s := range []string{base64.StdEncoding.EncodeToString(key), hex.EncodeToString(key)} {
		got, err := parseConsensusKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("%s: %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "not a key", base64.StdEncoding.EncodeToString(key[:31]), hex.EncodeToString(append(key, 1))} {
		if _, err := parseConsensusKey(s); err == nil || !strings.Contains(err.Error(), "32-byte ed25519 key") {
			t.Errorf("%q: %v", s, err)
		}
	}
}
