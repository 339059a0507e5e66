package fuzzlimit

import (
	"flag"
	"testing"
)

// Minimize sets -test.fuzzminimizetime to limit (a duration such as "2s"
// or a count such as "100x") unless the command line set it. Call it
// before f.Fuzz: the coordinator reads the flag there and passes it to its
// workers. When the test binary is not fuzzing the flag is unused.
func Minimize(f *testing.F, limit string) {
	f.Helper()
	fl := flag.Lookup("test.fuzzminimizetime")
	if fl == nil {
		f.Fatalf("no -test.fuzzminimizetime flag: is this a test binary?")
	}
	set := false
	flag.Visit(func(v *flag.Flag) {
		if v == fl {
			set = true
		}
	})
	if set {
		return
	}
	if err := fl.Value.Set(limit); err != nil {
		f.Fatalf("fuzz minimize limit %q: %v", limit, err)
	}
}
