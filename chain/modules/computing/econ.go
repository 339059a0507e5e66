package computing

import (
	"github.com/phalanx-net/phalanx/chain/fixed"
)

// The formulas, as pure functions of fixed-point numbers; the keeper
// applies them. Every one truncates, the same way on every node.

const nanosPerSecond = 1_000_000_000

// Score is P from a benchmark: iterations per 6 s, capped at maxP.
func Score(iterations, spanMillis, maxP uint64) uint64 {
	if spanMillis == 0 {
		return 0
	}
	// iterations × 6000 / span, in 128 bits' worth of care: a huge count
	// over a tiny span is capped, not wrapped.
	if iterations > (1<<63)/6000 {
		return maxP
	}
	return min(iterations*6000/spanMillis, maxP)
}

// MinStake is k·√P, in PHA.
func MinStake(p Params, score uint64) (fixed.Num, error) {
	root, err := fixed.Int(score).Sqrt()
	if err != nil {
		return fixed.Num{}, err
	}
	return p.StakeK.Mul(root)
}

// InitialV is Ve = (1 + conf·(Re−1))·(S + C), C = 0.3·P, with S in PHA.
func InitialV(p Params, stake fixed.Num, score uint64, conf fixed.Num) (fixed.Num, error) {
	reMinus1, err := p.Re.Sub(fixed.One())
	if err != nil {
		return fixed.Num{}, err
	}
	boost, err := conf.Mul(reMinus1)
	if err != nil {
		return fixed.Num{}, err
	}
	factor, err := fixed.One().Add(boost)
	if err != nil {
		return fixed.Num{}, err
	}
	c, err := fixed.Int(score).Mul(fixed.Frac(3, 10))
	if err != nil {
		return fixed.Num{}, err
	}
	sc, err := stake.Add(c)
	if err != nil {
		return fixed.Num{}, err
	}
	return factor.Mul(sc)
}

// hours is dt nanoseconds of block time as a number of the params' hours.
func hours(p Params, dtNanos int64) fixed.Num {
	if dtNanos <= 0 {
		return fixed.Num{}
	}
	return fixed.Frac(uint64(dtNanos), uint64(p.Hour)*nanosPerSecond)
}

// Grow brings an idle worker's V forward by dt: it grows at
// (ρ−1)·V + cost_k·P + cost_b (the costs per year, spread over the year's
// hours) per hour, scaled by instantP/P, up to VMax. The growth over dt
// is one step at the rate of its start (heartbeats come about twice an
// hour, so the steps are short).
func Grow(p Params, v fixed.Num, score, instantP uint64, dtNanos int64) (fixed.Num, error) {
	if score == 0 || dtNanos <= 0 {
		return fixed.Min(v, p.VMax), nil
	}
	rhoMinus1, err := p.Rho.Sub(fixed.One())
	if err != nil {
		return fixed.Num{}, err
	}
	interest, err := rhoMinus1.Mul(v)
	if err != nil {
		return fixed.Num{}, err
	}
	costP, err := p.CostK.Mul(fixed.Int(score))
	if err != nil {
		return fixed.Num{}, err
	}
	costs, err := costP.Add(p.CostB)
	if err != nil {
		return fixed.Num{}, err
	}
	perHour, err := costs.Div(fixed.Int(365 * 24))
	if err != nil {
		return fixed.Num{}, err
	}
	rate, err := interest.Add(perHour)
	if err != nil {
		return fixed.Num{}, err
	}
	growth, err := rate.Mul(hours(p, dtNanos))
	if err != nil {
		return fixed.Num{}, err
	}
	if growth, err = growth.MulDiv(fixed.Int(instantP), fixed.Int(score)); err != nil {
		return fixed.Num{}, err
	}
	nv, err := v.Add(growth)
	if err != nil {
		return fixed.Num{}, err
	}
	return fixed.Min(nv, p.VMax), nil
}

// Decay brings an unresponsive worker's V forward by dt: it loses Slash
// of itself per hour, never below zero.
func Decay(p Params, v fixed.Num, dtNanos int64) (fixed.Num, error) {
	loss, err := p.Slash.Mul(hours(p, dtNanos))
	if err != nil {
		return fixed.Num{}, err
	}
	return v.Mul(fixed.One().SubFloor(loss))
}

// Share is √(V² + (2·P·conf)²).
func Share(v fixed.Num, score uint64, conf fixed.Num) (fixed.Num, error) {
	v2, err := v.Mul(v)
	if err != nil {
		return fixed.Num{}, err
	}
	pc, err := fixed.Int(2 * score).Mul(conf)
	if err != nil {
		return fixed.Num{}, err
	}
	pc2, err := pc.Mul(pc)
	if err != nil {
		return fixed.Num{}, err
	}
	sum, err := v2.Add(pc2)
	if err != nil {
		return fixed.Num{}, err
	}
	return sum.Sqrt()
}

// Budget is the reward budget, in PHA, of the block time between from and
// to (unix nanoseconds), with the schedule counted from start: Budget per
// day, times Decay for every DecayEvery elapsed. A span across a decay
// boundary is split at it.
func Budget(p Params, start, from, to int64) (fixed.Num, error) {
	period := p.DecayEvery * nanosPerSecond
	total := fixed.Num{}
	for from < to {
		k := (from - start) / period
		if from < start {
			k = 0
		}
		end := min(to, start+(k+1)*period)
		factor, err := p.Decay.Pow(uint64(k))
		if err != nil {
			return fixed.Num{}, err
		}
		perDay, err := p.Budget.Mul(factor)
		if err != nil {
			return fixed.Num{}, err
		}
		part, err := perDay.MulDiv(fixed.Int(uint64(end-from)), fixed.Int(86_400*nanosPerSecond))
		if err != nil {
			return fixed.Num{}, err
		}
		if total, err = total.Add(part); err != nil {
			return fixed.Num{}, err
		}
		from = end
	}
	return total, nil
}
