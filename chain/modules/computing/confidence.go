package computing

import "github.com/phalanx-net/phalanx/chain/fixed"

// Conf is the factor conf of a confidence level (registry.ConfidenceLevel),
// Phala's: levels 1 to 3 earn in full, 4 at 0.8, 5 at 0.7. An unassessed
// worker (level 0: sim, SEV-SNP, TDX without collateral) earns in full,
// as every worker did before TCB statuses were assessed.
func Conf(level uint8) fixed.Num {
	switch level {
	case 4:
		return fixed.MustParse("0.8")
	case 5:
		return fixed.MustParse("0.7")
	}
	return fixed.One()
}
