package pha

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/holiman/uint256"
)

// Decimals is the number of decimal places of one PHA.
const Decimals = 12

// Symbol is the token's ticker, used when amounts are written for people.
const Symbol = "PHA"

var (
	// ErrOverflow is returned when arithmetic would exceed 2^256-1.
	ErrOverflow = errors.New("amount overflow")
	// ErrNegative is returned when a subtraction would go below zero.
	ErrNegative = errors.New("amount would be negative")
	// ErrBadAmount is returned for text that is not an amount.
	ErrBadAmount = errors.New("bad amount")
)

var unitsPerPHA = uint256.NewInt(1_000_000_000_000)

// Amount is a non-negative number of units (10^-12 PHA).
type Amount struct{ v uint256.Int }

// Units returns an amount of n units.
func Units(n uint64) Amount {
	var a Amount
	a.v.SetUint64(n)
	return a
}

// Tokens returns an amount of n whole PHA.
func Tokens(n uint64) Amount {
	var a Amount
	a.v.Mul(uint256.NewInt(n), unitsPerPHA) // n < 2^64 and 10^12 < 2^40: no overflow
	return a
}

// Zero is the zero amount.
var Zero = Amount{}

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a.v.IsZero() }

// Cmp compares a and b: -1 if a < b, 0 if equal, +1 if a > b.
func (a Amount) Cmp(b Amount) int { return a.v.Cmp(&b.v) }

// Lt reports whether a < b.
func (a Amount) Lt(b Amount) bool { return a.v.Lt(&b.v) }

// Add returns a + b or ErrOverflow.
func (a Amount) Add(b Amount) (Amount, error) {
	var r Amount
	if _, of := r.v.AddOverflow(&a.v, &b.v); of {
		return Amount{}, ErrOverflow
	}
	return r, nil
}

// Sub returns a - b or ErrNegative.
func (a Amount) Sub(b Amount) (Amount, error) {
	var r Amount
	if _, uf := r.v.SubOverflow(&a.v, &b.v); uf {
		return Amount{}, ErrNegative
	}
	return r, nil
}

// MulUint64 returns a × n or ErrOverflow.
func (a Amount) MulUint64(n uint64) (Amount, error) {
	var r Amount
	if _, of := r.v.MulOverflow(&a.v, uint256.NewInt(n)); of {
		return Amount{}, ErrOverflow
	}
	return r, nil
}

// MulDiv returns ⌊a × num / den⌋, computed without intermediate overflow.
// It is the building block of every pro-rata share.
func (a Amount) MulDiv(num, den Amount) (Amount, error) {
	if den.IsZero() {
		return Amount{}, errors.New("pha: division by zero")
	}
	var r Amount
	if _, of := r.v.MulDivOverflow(&a.v, &num.v, &den.v); of {
		return Amount{}, ErrOverflow
	}
	return r, nil
}

// IsUint64 reports whether a fits in a uint64.
func (a Amount) IsUint64() bool { return a.v.IsUint64() }

// Uint64 returns a as a uint64; the caller checks IsUint64 first.
func (a Amount) Uint64() uint64 { return a.v.Uint64() }

// Big returns a as a big.Int.
func (a Amount) Big() *big.Int { return a.v.ToBig() }

// String returns the number of units in decimal, e.g. "1500000000000".
func (a Amount) String() string { return a.v.Dec() }

// PHA returns the amount in PHA for people, e.g. "1.5 PHA", with trailing
// zeros of the fraction dropped.
func (a Amount) PHA() string {
	whole, frac, _ := strings.Cut(a.Decimal(), ".")
	s := groupThousands(whole)
	if frac != "" {
		s += "." + frac
	}
	return s + " " + Symbol
}

func groupThousands(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Parse reads an amount written for people: a decimal number of PHA and
// the unit, with nothing else: "12.5PHA", "1000PHA", "0.000000000001PHA".
// The grammar is strict because a lenient reading loses money: digits, at
// most one ".", with digits on both sides of it and at most Decimals of them
// after it, then "PHA" in capitals. Commas, spaces, signs, exponents, a
// second point, a bare number (PHA or units?) and another case of the unit
// are all refused, each with the reason. Every amount Parse accepts reads
// back from its Text.
func Parse(s string) (Amount, error) {
	bad := func(why string) (Amount, error) {
		return Amount{}, fmt.Errorf("%w %q: %s", ErrBadAmount, s, why)
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return bad("no spaces inside or around an amount, as in 12.5PHA")
	}
	num, hasUnit := strings.CutSuffix(s, Symbol)
	if !hasUnit {
		if len(s) >= len(Symbol) && strings.EqualFold(s[len(s)-len(Symbol):], Symbol) {
			return bad("the unit is written PHA, in capitals")
		}
		return bad("an amount needs its unit, as in 12.5PHA")
	}
	if num == "" {
		return bad("no number before the unit")
	}
	for i := 0; i < len(num); i++ {
		switch c := num[i]; {
		case c >= '0' && c <= '9' || c == '.':
		case c == ',':
			return bad(`"," is not allowed: write the decimal point as "." and no thousands separators, as in 1000.5PHA`)
		case c == '_':
			return bad("no separators inside an amount, as in 1000.5PHA")
		case c == '+' || c == '-':
			return bad("an amount has no sign")
		case c == 'e' || c == 'E':
			return bad("write the number out in full, without an exponent")
		default:
			r, _ := utf8.DecodeRuneInString(num[i:])
			return bad(fmt.Sprintf("%q is not a digit", r))
		}
	}
	whole, frac, hasDot := strings.Cut(num, ".")
	switch {
	case strings.Contains(frac, "."):
		return bad(`more than one "."`)
	case whole == "":
		return bad(`write a digit before the ".", as in 0.5PHA`)
	case hasDot && frac == "":
		return bad(`write a digit after the ".", or leave the "." out`)
	case len(frac) > Decimals:
		return bad(fmt.Sprintf("more than %d decimals: the smallest amount is 0.%s1PHA", Decimals, strings.Repeat("0", Decimals-1)))
	}
	units := strings.TrimLeft(whole+frac+strings.Repeat("0", Decimals-len(frac)), "0")
	a, err := ParseUnits(units)
	if err != nil {
		return bad("too large")
	}
	return a, nil
}

// Decimal returns the amount in PHA as a plain decimal number, without
// the unit or grouping and with no trailing zeros, e.g. "1000.5".
func (a Amount) Decimal() string {
	var whole, frac uint256.Int
	whole.DivMod(&a.v, unitsPerPHA, &frac)
	s := whole.Dec()
	if !frac.IsZero() {
		s += "." + strings.TrimRight(fmt.Sprintf("%012d", frac.Uint64()), "0")
	}
	return s
}

// Text returns the amount as Parse reads it, e.g. "1000.5PHA": the form
// to put on a command line or in a configuration file.
func (a Amount) Text() string { return a.Decimal() + Symbol }

// ParseUnits reads a decimal number of units, as JSON and genesis files
// carry amounts. The empty string is zero.
func ParseUnits(s string) (Amount, error) {
	if s == "" {
		return Amount{}, nil
	}
	if !allDigits(s) {
		return Amount{}, fmt.Errorf("%w: %q is not a whole number of units", ErrBadAmount, s)
	}
	var a Amount
	if err := a.v.SetFromDecimal(s); err != nil {
		return Amount{}, fmt.Errorf("%w: %q: %v", ErrBadAmount, s, err)
	}
	return a, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MarshalJSON writes the number of units as a decimal string, because JSON
// numbers lose precision above 2^53 in many readers.
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON reads a decimal string of units.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%w: want a string of units: %v", ErrBadAmount, err)
	}
	if s == "" {
		return fmt.Errorf("%w: empty", ErrBadAmount)
	}
	p, err := ParseUnits(s)
	if err != nil {
		return err
	}
	*a = p
	return nil
}

// MarshalCBOR writes the amount in CBOR's preferred form: an unsigned
// integer when it fits in 64 bits, else a bignum (tag 2) without leading
// zero bytes. Each amount has exactly one encoding. Balances are encoded
// on every transfer, so this is written out rather than reflected.
func (a Amount) MarshalCBOR() ([]byte, error) {
	if a.v.IsUint64() {
		return appendHead(make([]byte, 0, 9), 0, a.v.Uint64()), nil
	}
	mag := a.v.Bytes()
	out := append(make([]byte, 0, 2+len(mag)), 0xc2) // tag 2: unsigned bignum
	out = appendHead(out, 2, uint64(len(mag)))       // byte string
	return append(out, mag...), nil
}

// appendHead appends a CBOR head of the major type with argument n in its
// shortest form.
func appendHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xff:
		return append(b, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

// readHead reads a CBOR head and refuses a non-shortest argument.
func readHead(b []byte) (major byte, n uint64, rest []byte, err error) {
	if len(b) == 0 {
		return 0, 0, nil, fmt.Errorf("%w: empty", ErrBadAmount)
	}
	major, info := b[0]>>5, b[0]&31
	b = b[1:]
	var size int
	switch {
	case info < 24:
		return major, uint64(info), b, nil
	case info <= 27:
		size = 1 << (info - 24)
	default:
		return 0, 0, nil, fmt.Errorf("%w: indefinite or reserved length", ErrBadAmount)
	}
	if len(b) < size {
		return 0, 0, nil, fmt.Errorf("%w: truncated", ErrBadAmount)
	}
	for _, c := range b[:size] {
		n = n<<8 | uint64(c)
	}
	if (size == 1 && n < 24) || (size > 1 && n>>(4*size) == 0) {
		return 0, 0, nil, fmt.Errorf("%w: integer not in its shortest form", ErrBadAmount)
	}
	return major, n, b[size:], nil
}

// UnmarshalCBOR reads the form MarshalCBOR writes and refuses any other,
// so that two encodings of one amount cannot exist.
func (a *Amount) UnmarshalCBOR(b []byte) error {
	major, n, rest, err := readHead(b)
	if err != nil {
		return err
	}
	switch {
	case major == 0 && len(rest) == 0:
		a.v.SetUint64(n)
		return nil
	case major == 6 && n == 2: // tag 2, then a byte string
		major, n, rest, err = readHead(rest)
		if err != nil {
			return err
		}
		if major != 2 || uint64(len(rest)) != n {
			return fmt.Errorf("%w: bignum content is not one byte string", ErrBadAmount)
		}
		if len(rest) <= 8 || rest[0] == 0 || len(rest) > 32 {
			return fmt.Errorf("%w: non-canonical bignum of %d bytes", ErrBadAmount, len(rest))
		}
		a.v.SetBytes(rest)
		return nil
	}
	return fmt.Errorf("%w: not an unsigned integer or bignum", ErrBadAmount)
}

// FromUint256 returns the amount of u units.
func FromUint256(u *uint256.Int) Amount { return Amount{v: *u} }

// Uint256 returns the amount in units.
func (a Amount) Uint256() uint256.Int { return a.v }
