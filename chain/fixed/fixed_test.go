package fixed

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/pha"
)

// rat is the exact value of a, to compare with.
func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad rational %q", s)
	}
	return r
}

// truncated is r truncated to 18 decimals, as every operation does.
func truncated(r *big.Rat) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(Decimals), nil)
	n := new(big.Int).Mul(r.Num(), scale)
	n.Quo(n, r.Denom())
	return new(big.Rat).SetFrac(n, scale)
}

func TestArithmeticAgainstRationals(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		a := Frac(rng.Uint64N(1<<40), rng.Uint64N(1<<20)+1)
		b := Frac(rng.Uint64N(1<<40), rng.Uint64N(1<<20)+1)
		ar, br := a.Rat(), b.Rat()
		sum, _ := a.Add(b)
		if sum.Rat().Cmp(new(big.Rat).Add(ar, br)) != 0 {
			t.Fatalf("%s + %s = %s", a, b, sum)
		}
		prod, _ := a.Mul(b)
		if prod.Rat().Cmp(truncated(new(big.Rat).Mul(ar, br))) != 0 {
			t.Fatalf("%s × %s = %s", a, b, prod)
		}
		if !b.IsZero() {
			q, _ := a.Div(b)
			if q.Rat().Cmp(truncated(new(big.Rat).Quo(ar, br))) != 0 {
				t.Fatalf("%s ÷ %s = %s", a, b, q)
			}
		}
		s, _ := a.Sqrt()
		// s is the largest 18-decimal number with s² ≤ a.
		s2 := new(big.Rat).Mul(s.Rat(), s.Rat())
		next := new(big.Rat).Add(s.Rat(), rat(t, "1/1000000000000000000"))
		if s2.Cmp(ar) > 0 || new(big.Rat).Mul(next, next).Cmp(ar) <= 0 {
			t.Fatalf("√%s = %s", a, s)
		}
		if d, err := a.Sub(b); a.Cmp(b) >= 0 && (err != nil || d.Rat().Cmp(new(big.Rat).Sub(ar, br)) != 0) {
			t.Fatalf("%s - %s = %s, %v", a, b, d, err)
		} else if a.Cmp(b) < 0 && err == nil {
			t.Fatalf("%s - %s did not underflow", a, b)
		}
	}
}

func TestPowAndParse(t *testing.T) {
	q := MustParse("0.75")
	p, err := q.Pow(4)
	if err != nil || p.String() != "0.31640625" {
		t.Fatalf("0.75^4 = %s, %v", p, err)
	}
	rho := MustParse("1.0002")
	year, err := rho.Pow(24 * 365)
	// Against the exact power: truncating after each of the products
	// costs less than 10^-12 here.
	n := big.NewInt(24 * 365)
	exact := new(big.Rat).SetFrac(new(big.Int).Exp(big.NewInt(10002), n, nil), new(big.Int).Exp(big.NewInt(10000), n, nil))
	diff := new(big.Rat).Sub(exact, year.Rat())
	if err != nil || diff.Sign() < 0 || diff.Cmp(rat(t, "1/1000000000000")) > 0 {
		t.Fatalf("1.0002^8760 = %s, exact %s, %v", year, exact.FloatString(20), err)
	}
	for _, bad := range []string{"", "-1", "1.2.3", "x", "0.1234567890123456789", ".5"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if Int(0).String() != "0" || MustParse("12.500").String() != "12.5" || MustParse("0.000000000000000001").String() != "0.000000000000000001" {
		t.Fatal("String")
	}
	if _, err := One().Div(Num{}); err == nil {
		t.Fatal("division by zero")
	}
}

func TestPHAAndCodec(t *testing.T) {
	n := MustParse("88.59375")
	if got := n.PHA(); got.Cmp(pha.Units(88_593_750_000_000)) != 0 {
		t.Fatalf("88.59375 PHA = %s units", got)
	}
	if FromPHA(pha.Tokens(3)).Cmp(Int(3)) != 0 {
		t.Fatal("FromPHA")
	}
	b := codec.MustMarshal(n)
	var back Num
	if err := codec.Unmarshal(b, &back); err != nil || back.Cmp(n) != 0 {
		t.Fatalf("CBOR round trip: %s, %v", back, err)
	}
	if err := back.UnmarshalCBOR([]byte{0x41, 1}); err == nil {
		t.Fatal("a short byte string decoded")
	}
}
