// Package keeper is the computing module's state code: workers' sessions,
// benchmarks and heartbeats, the challenges and rewards of each block,
// and slashing. The formulas it applies, the messages and the records are
// in package computing.
package keeper
