// Package proc runs phalanx commands as separate operating-system
// processes, for the tests and benchmarks that need a real kill -9 of one
// node: the operations walkthrough and the end-to-end fault runs. Each
// process's output is kept in memory for the failure report.
package proc
