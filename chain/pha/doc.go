// Package pha defines amounts of PHA, Phalanx's native token.
//
// PHA has 12 decimals: 1 PHA = 10^12 units, as in Phala. The whole supply,
// 10^9 PHA = 10^21 units, does not fit in 64 bits, so an [Amount] is a
// 256-bit unsigned integer with overflow-checked arithmetic. There are no
// floats anywhere: amounts are parsed from and printed to decimal strings
// exactly.
package pha
