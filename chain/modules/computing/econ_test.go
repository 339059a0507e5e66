package computing

import (
	"math/big"
	"testing"

	"github.com/phalanx-net/phalanx/chain/fixed"
)

func r(s string) *big.Rat {
	v, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return v
}

// near reports whether got is within 10^-12 of want (each operation
// truncates at 10^-18; a formula is a few operations).
func near(got fixed.Num, want *big.Rat) bool {
	d := new(big.Rat).Sub(got.Rat(), want)
	return d.Abs(d).Cmp(r("1/1000000000000")) <= 0
}

func TestFormulasAgainstRationals(t *testing.T) {
	p := DefaultParams()
	if Score(1000, 6000, 6000) != 1000 || Score(1_000_000, 1000, 6000) != 6000 || Score(1, 0, 6000) != 0 || Score(1<<62, 1, 6000) != 6000 {
		t.Fatal("Score")
	}
	// k·√P, P = 2500: 50 × 50.
	if s, _ := MinStake(p, 2500); s.Cmp(fixed.Int(2500)) != 0 {
		t.Fatalf("min stake %s", s)
	}
	// Ve = (1 + conf·(Re−1))·(S + 0.3·P).
	for _, c := range []struct {
		stake, conf string
		score       uint64
	}{{"2000", "1", 1000}, {"1581.2", "0.5", 1000}, {"0", "0", 50}} {
		got, err := InitialV(p, fixed.MustParse(c.stake), c.score, fixed.MustParse(c.conf))
		want := new(big.Rat).Mul(new(big.Rat).Add(r("1"), new(big.Rat).Mul(r(c.conf), r("0.5"))),
			new(big.Rat).Add(r(c.stake), new(big.Rat).Mul(r("0.3"), new(big.Rat).SetUint64(c.score))))
		if err != nil || !near(got, want) {
			t.Fatalf("Ve(%+v) = %s, want %s", c, got, want.FloatString(18))
		}
	}
	// Growth over half an hour at P = 1000, instant P = 1100:
	// V + ((ρ−1)·V + (cost_k·P + cost_b)/8760)·0.5·1.1.
	v := fixed.Int(3450)
	got, err := Grow(p, v, 1000, 1100, 1800e9)
	rate := new(big.Rat).Add(new(big.Rat).Mul(r("0.0002"), r("3450")),
		new(big.Rat).Quo(new(big.Rat).Add(new(big.Rat).Mul(r("0.0415625"), r("1000")), r("88.59375")), r("8760")))
	want := new(big.Rat).Add(r("3450"), new(big.Rat).Mul(rate, r("0.55")))
	if err != nil || !near(got, want) {
		t.Fatalf("grow: %s, want %s", got, want.FloatString(18))
	}
	if capped, _ := Grow(p, fixed.Int(29_999), 6000, 7200, 3600e9*100); capped.Cmp(p.VMax) != 0 {
		t.Fatalf("V above VMax: %s", capped)
	}
	// Decay: 0.1 % per hour, 3 hours.
	if got, _ := Decay(p, fixed.Int(1000), 3*3600e9); !near(got, r("997")) {
		t.Fatalf("decay: %s", got)
	}
	if got, _ := Decay(p, fixed.Int(1000), 2000*3600e9); !got.IsZero() {
		t.Fatalf("decay past zero: %s", got)
	}
	// share = √(V² + (2·P·conf)²): 3-4-5.
	if s, _ := Share(fixed.Int(3000), 2000, fixed.One()); s.Cmp(fixed.Int(5000)) != 0 {
		t.Fatalf("share %s", s)
	}
	// Budget: 720,000 a day, ×0.75 after 180 days; one day across the
	// boundary is half a day at each rate.
	day := int64(86_400e9)
	if b, _ := Budget(p, 0, 0, day); b.Cmp(fixed.Int(720_000)) != 0 {
		t.Fatalf("first day: %s", b)
	}
	b, _ := Budget(p, 0, 180*day-day/2, 180*day+day/2)
	if !near(b, r("630000")) { // 360,000 + 270,000
		t.Fatalf("a day across the boundary: %s", b)
	}
	if b, _ := Budget(p, 0, 360*day, 361*day); !near(b, r("405000")) { // 720,000 × 0.75²
		t.Fatalf("a day in the third period: %s", b)
	}
}
