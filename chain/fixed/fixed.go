// Package fixed is the chain's fixed-point arithmetic: non-negative
// numbers with 18 decimal places in 256 bits, for the economics, where
// floats would make nodes disagree. Every operation truncates toward
// zero, the same way on every machine, and reports overflow and
// underflow instead of wrapping.
package fixed

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/holiman/uint256"

	"github.com/phalanx-net/phalanx/chain/pha"
)

// Decimals is the number of decimal places.
const Decimals = 18

// ErrRange is returned when a result would be negative or not fit.
var ErrRange = errors.New("fixed-point result out of range")

var one = new(uint256.Int).Exp(uint256.NewInt(10), uint256.NewInt(Decimals))

// Num is a non-negative fixed-point number; the zero value is 0.
type Num struct{ v uint256.Int }

// Int returns n.
func Int(n uint64) Num {
	var r Num
	r.v.Mul(uint256.NewInt(n), one)
	return r
}

// One is 1.
func One() Num { return Int(1) }

// Frac returns num/den, truncated.
func Frac(num, den uint64) Num {
	var r Num
	r.v.MulDivOverflow(uint256.NewInt(num), one, uint256.NewInt(den))
	return r
}

// MustParse reads a decimal such as "1.0002", for constants; it panics on
// a malformed one.
func MustParse(s string) Num {
	n, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return n
}

// Parse reads a non-negative decimal with at most 18 decimal places.
func Parse(s string) (Num, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > Decimals || strings.Trim(whole+frac, "0123456789") != "" {
		return Num{}, fmt.Errorf("%w: %q is not a decimal with at most %d places", ErrRange, s, Decimals)
	}
	var r Num
	if err := r.v.SetFromDecimal(whole + frac + strings.Repeat("0", Decimals-len(frac))); err != nil {
		return Num{}, fmt.Errorf("%w: %q: %v", ErrRange, s, err)
	}
	return r, nil
}

// Add returns a+b.
func (a Num) Add(b Num) (Num, error) {
	var r Num
	if _, over := r.v.AddOverflow(&a.v, &b.v); over {
		return Num{}, ErrRange
	}
	return r, nil
}

// Sub returns a-b, or ErrRange if b > a.
func (a Num) Sub(b Num) (Num, error) {
	var r Num
	if _, under := r.v.SubOverflow(&a.v, &b.v); under {
		return Num{}, ErrRange
	}
	return r, nil
}

// SubFloor returns a-b, or 0 if b > a.
func (a Num) SubFloor(b Num) Num {
	if r, err := a.Sub(b); err == nil {
		return r
	}
	return Num{}
}

// Mul returns a×b, truncated.
func (a Num) Mul(b Num) (Num, error) {
	var r Num
	if _, over := r.v.MulDivOverflow(&a.v, &b.v, one); over {
		return Num{}, ErrRange
	}
	return r, nil
}

// Div returns a÷b, truncated; ErrRange if b is 0.
func (a Num) Div(b Num) (Num, error) {
	if b.v.IsZero() {
		return Num{}, ErrRange
	}
	var r Num
	if _, over := r.v.MulDivOverflow(&a.v, one, &b.v); over {
		return Num{}, ErrRange
	}
	return r, nil
}

// MulDiv returns a×b÷c with one truncation; ErrRange if c is 0.
func (a Num) MulDiv(b, c Num) (Num, error) {
	if c.v.IsZero() {
		return Num{}, ErrRange
	}
	var r Num
	if _, over := r.v.MulDivOverflow(&a.v, &b.v, &c.v); over {
		return Num{}, ErrRange
	}
	return r, nil
}

// Sqrt returns √a, truncated.
func (a Num) Sqrt() (Num, error) {
	// √(v/10^18) = √(v·10^18)/10^18.
	var x, r Num
	if _, over := x.v.MulOverflow(&a.v, one); over {
		return Num{}, ErrRange
	}
	r.v.Sqrt(&x.v)
	return r, nil
}

// Pow returns a^n by repeated squaring, truncating after each product.
func (a Num) Pow(n uint64) (Num, error) {
	r, b := One(), a
	for ; n > 0; n >>= 1 {
		var err error
		if n&1 == 1 {
			if r, err = r.Mul(b); err != nil {
				return Num{}, err
			}
		}
		if n > 1 {
			if b, err = b.Mul(b); err != nil {
				return Num{}, err
			}
		}
	}
	return r, nil
}

// Min returns the smaller of a and b.
func Min(a, b Num) Num {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

// Cmp compares a and b: -1, 0 or +1.
func (a Num) Cmp(b Num) int { return a.v.Cmp(&b.v) }

// IsZero reports whether a is 0.
func (a Num) IsZero() bool { return a.v.IsZero() }

// Rat returns a exactly, for tests and display.
func (a Num) Rat() *big.Rat { return new(big.Rat).SetFrac(a.v.ToBig(), one.ToBig()) }

// String writes a in decimal, without trailing zeros.
func (a Num) String() string {
	s := a.v.Dec()
	if len(s) <= Decimals {
		s = strings.Repeat("0", Decimals-len(s)+1) + s
	}
	whole, frac := s[:len(s)-Decimals], strings.TrimRight(s[len(s)-Decimals:], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// PHA converts a number of PHA to an amount, truncated to whole units.
func (a Num) PHA() pha.Amount {
	var units uint256.Int
	units.Div(&a.v, uint256.NewInt(1_000_000)) // 10^18 / 10^12
	return pha.FromUint256(&units)
}

// FromPHA converts an amount to a number of PHA.
func FromPHA(a pha.Amount) Num {
	var r Num
	u := a.Uint256()
	r.v.Mul(&u, uint256.NewInt(1_000_000))
	return r
}

// MarshalText writes the decimal form (JSON, genesis files).
func (a Num) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads the decimal form.
func (a *Num) UnmarshalText(b []byte) error {
	n, err := Parse(string(b))
	*a = n
	return err
}

// MarshalCBOR writes the raw 256-bit value as a CBOR byte string of 32
// bytes, big-endian: one canonical encoding per value.
func (a Num) MarshalCBOR() ([]byte, error) {
	b := a.v.Bytes32()
	return append([]byte{0x58, 32}, b[:]...), nil
}

// UnmarshalCBOR reads what MarshalCBOR writes, and nothing else.
func (a *Num) UnmarshalCBOR(b []byte) error {
	if len(b) != 34 || b[0] != 0x58 || b[1] != 32 {
		return fmt.Errorf("%w: a fixed-point number is a 32-byte string", ErrRange)
	}
	a.v.SetBytes32(b[2:])
	return nil
}

// Floor returns the integer part of a, or the largest uint64 if it does
// not fit.
func (a Num) Floor() uint64 {
	var q uint256.Int
	q.Div(&a.v, one)
	if !q.IsUint64() {
		return ^uint64(0)
	}
	return q.Uint64()
}
