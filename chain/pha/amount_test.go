package pha

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

func TestParseAndPrint(t *testing.T) {
	for _, c := range []struct {
		in    string
		units string
		pha   string
		text  string
	}{
		{"1PHA", "1000000000000", "1 PHA", "1PHA"},
		{"12.5PHA", "12500000000000", "12.5 PHA", "12.5PHA"},
		{"0.000000000001PHA", "1", "0.000000000001 PHA", "0.000000000001PHA"},
		{"1000000000PHA", "1000000000000000000000", "1,000,000,000 PHA", "1000000000PHA"},
		{"0.5PHA", "500000000000", "0.5 PHA", "0.5PHA"},
		{"007.250PHA", "7250000000000", "7.25 PHA", "7.25PHA"},
		{"0PHA", "0", "0 PHA", "0PHA"},
		{"0.0PHA", "0", "0 PHA", "0PHA"},
	} {
		a, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if a.String() != c.units || a.PHA() != c.pha || a.Text() != c.text {
			t.Errorf("Parse(%q) = %s units, %q, %q; want %s, %q, %q", c.in, a, a.PHA(), a.Text(), c.units, c.pha, c.text)
		}
	}
}

// TestParseRefusals covers what a user types by mistake: each of these was
// once read as some other amount, or could be.
func TestParseRefusals(t *testing.T) {
	for _, c := range []struct{ in, why string }{
		{"1,5PHA", `"," is not allowed`},   // once sent 15 PHA
		{",5PHA", `"," is not allowed`},    // once sent 5 PHA
		{"1,0,0PHA", `"," is not allowed`}, // once sent 100 PHA
		{"1,000PHA", `"," is not allowed`}, // grouping is for display only
		{"12.5 PHA", "no spaces"},
		{" 12PHA", "no spaces"},
		{"1 000PHA", "no spaces"},
		{"1_000PHA", "no separators"},
		{"-1PHA", "no sign"},
		{"+1PHA", "no sign"},
		{"1e3PHA", "without an exponent"},
		{"1E3PHA", "without an exponent"},
		{"1.2.3PHA", `more than one "."`},
		{"1..2PHA", `more than one "."`},
		{".5PHA", `a digit before the "."`},
		{"1.PHA", `a digit after the "."`},
		{"0.0000000000001PHA", "more than 12 decimals"},
		{"12.5pha", "in capitals"},
		{"12.5Pha", "in capitals"},
		{"12", "needs its unit"},
		{"12.5", "needs its unit"},
		{"1ETH", "needs its unit"},
		{"", "needs its unit"},
		{"PHA", "no number"},
		{"abcPHA", "is not a digit"},
		{"１PHA", "is not a digit"}, // a full-width digit
		{"12PHA ", "no spaces"},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639936PHA", "too large"},
	} {
		_, err := Parse(c.in)
		if !errors.Is(err, ErrBadAmount) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("Parse(%q) = %v, want ErrBadAmount saying %q", c.in, err, c.why)
		}
	}
}

// FuzzParse: Parse never panics, and every amount it accepts is written
// back by Text in a form that Parse reads as the same amount; that form
// is the input without redundant zeros.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1PHA", "12.5PHA", "1,5PHA", ",5PHA", "1,0,0PHA", "0.000000000001PHA", "007.250PHA", "1e3PHA", ".5PHA", "1.PHA", "12.5 pha", "-0PHA", "1.2.3PHA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrBadAmount) {
				t.Fatalf("Parse(%q): %v is not ErrBadAmount", s, err)
			}
			return
		}
		back, err := Parse(a.Text())
		if err != nil || back != a {
			t.Fatalf("Parse(%q) = %s, but Parse(%q) = %s, %v", s, a, a.Text(), back, err)
		}
		num := strings.TrimSuffix(s, Symbol)
		if strings.Contains(num, ".") {
			num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
		}
		if num = strings.TrimLeft(num, "0"); num == "" || num[0] == '.' {
			num = "0" + num
		}
		if num+Symbol != a.Text() {
			t.Fatalf("Parse(%q) reads as %s", s, a.Text())
		}
	})
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
