package codec

import (
	"errors"
	"testing"
)

type sample struct {
	A uint64 `cbor:"1,keyasint"`
	B string `cbor:"2,keyasint"`
}

func TestStrictCanonical(t *testing.T) {
	good, err := Marshal(sample{A: 1, B: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var s sample
	if err := Unmarshal(good, &s); err != nil || s.A != 1 || s.B != "x" {
		t.Fatalf("good input: %v %+v", err, s)
	}
	for name, in := range map[string][]byte{
		"keys out of order":   {0xa2, 0x02, 0x61, 'x', 0x01, 0x01},
		"non-minimal integer": {0xa2, 0x01, 0x18, 0x01, 0x02, 0x61, 'x'},
		"unknown field":       {0xa3, 0x01, 0x01, 0x02, 0x61, 'x', 0x03, 0x00},
		"duplicate key":       {0xa3, 0x01, 0x01, 0x01, 0x02, 0x02, 0x61, 'x'},
		"indefinite map":      {0xbf, 0x01, 0x01, 0x02, 0x61, 'x', 0xff},
		"trailing bytes":      append(append([]byte{}, good...), 0),
		"missing field":       {0xa1, 0x01, 0x01},
		"truncated":           good[:len(good)-1],
	} {
		if err := Unmarshal(in, &s); err == nil {
			t.Errorf("%s: accepted", name)
		} else if name == "missing field" && !errors.Is(err, ErrNotCanonical) {
			t.Errorf("%s: %v, want ErrNotCanonical", name, err)
		}
	}
}
