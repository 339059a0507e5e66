package pha

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

func TestParseAndPrint(t *testing.T) {
	for _, c := range []struct {
		in    string
		units string
		pha   string
	}{
		{"1PHA", "1000000000000", "1 PHA"},
		{"12.5PHA", "12500000000000", "12.5 PHA"},
		{"12.5 pha", "12500000000000", "12.5 PHA"},
		{"0.000000000001PHA", "1", "0.000000000001 PHA"},
		{"1,000,000,000PHA", "1000000000000000000000", "1,000,000,000 PHA"},
		{".5PHA", "500000000000", "0.5 PHA"},
		{"0PHA", "0", "0 PHA"},
	} {
		a, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if a.String() != c.units || a.PHA() != c.pha {
			t.Errorf("Parse(%q) = %s units, %q; want %s, %q", c.in, a, a.PHA(), c.units, c.pha)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	for _, s := range []string{"", "12", "PHA", "1.PHA", "1.2.3PHA", "-1PHA", "1e3PHA", "0.0000000000001PHA", "abcPHA", "1 ETH"} {
		if _, err := Parse(s); !errors.Is(err, ErrBadAmount) {
			t.Errorf("Parse(%q) = %v, want ErrBadAmount", s, err)
		}
	}
}

func TestArithmetic(t *testing.T) {
	a, b := Tokens(3), Tokens(2)
	s, err := a.Add(b)
	if err != nil || s.Cmp(Tokens(5)) != 0 {
		t.Fatalf("3+2 = %v, %v", s, err)
	}
	if _, err := b.Sub(a); !errors.Is(err, ErrNegative) {
		t.Fatalf("2-3: %v, want ErrNegative", err)
	}
	var max Amount
	max.v.SetAllOne()
	if _, err := max.Add(Units(1)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("max+1: %v, want ErrOverflow", err)
	}
	if _, err := max.MulUint64(2); !errors.Is(err, ErrOverflow) {
		t.Fatalf("max*2: %v, want ErrOverflow", err)
	}
	// 700M PHA × 7 / 10 without intermediate overflow concerns.
	r, err := Tokens(1_000_000_000).MulDiv(Units(7), Units(10))
	if err != nil || r.Cmp(Tokens(700_000_000)) != 0 {
		t.Fatalf("MulDiv = %v, %v", r, err)
	}
}

func TestCBORIsCanonical(t *testing.T) {
	for _, a := range []Amount{Zero, Units(1), Units(23), Units(24), Units(255), Units(256), Units(1 << 40), Units(1 << 63), Tokens(1_000_000_000)} {
		b, err := cbor.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		// The hand-written encoding is the library's canonical one.
		if want, _ := cbor.Marshal(a.Big()); a.IsUint64() && string(want) != string(b) {
			t.Fatalf("%s encodes as %x, cbor says %x", a, b, want)
		}
		var back Amount
		if err := cbor.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if back.Cmp(a) != 0 {
			t.Fatalf("round trip %s -> %s", a, back)
		}
	}
	// A bignum that fits in 64 bits, or with a leading zero, is not canonical.
	for _, mag := range [][]byte{{1}, {0, 1, 2, 3, 4, 5, 6, 7, 8}} {
		b, _ := cbor.Marshal(cbor.Tag{Number: 2, Content: mag})
		var a Amount
		if err := cbor.Unmarshal(b, &a); !errors.Is(err, ErrBadAmount) {
			t.Errorf("bignum %x: %v, want ErrBadAmount", mag, err)
		}
	}
	var a Amount
	for name, b := range map[string][]byte{
		"negative":          {0x20},
		"non-minimal":       {0x18, 0x05},
		"non-minimal 16bit": {0x19, 0x00, 0xff},
		"truncated":         {0x1a, 0x01},
		"trailing":          {0x01, 0x01},
		"text":              {0x61, 'a'},
		"empty":             {},
	} {
		if err := a.UnmarshalCBOR(b); !errors.Is(err, ErrBadAmount) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestJSON(t *testing.T) {
	b, _ := json.Marshal(Tokens(1_000_000_000))
	if string(b) != `"1000000000000000000000"` {
		t.Fatalf("json = %s", b)
	}
	var a Amount
	if err := json.Unmarshal(b, &a); err != nil || a.Cmp(Tokens(1_000_000_000)) != 0 {
		t.Fatalf("back: %v %v", a, err)
	}
	for _, bad := range []string{`12`, `""`, `"-1"`, `"1.5"`} {
		if err := json.Unmarshal([]byte(bad), &a); err == nil {
			t.Errorf("json %s accepted", bad)
		}
	}
}

// FuzzAmountCBOR: no input panics, and an accepted input is the one
// encoding of its value.
func FuzzAmountCBOR(f *testing.F) {
	for _, a := range []Amount{Zero, Units(24), Tokens(1_000_000_000)} {
		b, _ := a.MarshalCBOR()
		f.Add(b)
	}
	f.Add([]byte{0xc2, 0x41, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Amount
		if a.UnmarshalCBOR(b) != nil {
			return
		}
		again, _ := a.MarshalCBOR()
		if string(again) != string(b) {
			t.Fatalf("accepted %x, which encodes as %x", b, again)
		}
	})
}
