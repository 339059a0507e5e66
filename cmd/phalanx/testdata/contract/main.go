// A minimal contract module for the build command's test: one export.
package main

//go:wasmexport add
func add(a, b uint32) uint32 { return a + b }

func main() {}
