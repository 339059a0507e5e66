// Package fuzzlimit caps how long `go test -fuzz` minimizes each new input,
// for fuzz targets whose inputs are large and slow to check (attestation
// quotes, light blocks). Go's default budget is 60 s per input: on such a
// target the first input that finds new coverage takes the whole -fuzztime
// to minimize, and the run reports a handful of executions.
package fuzzlimit
