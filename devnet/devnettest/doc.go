// Package devnettest starts a devnet for a test, the way every test that
// needs a network does: on free ports (made again if another process takes
// one), in the test's temporary directory, its logs kept and printed when
// the test fails, stopped when the test ends, with gk0's client and the
// development keys at hand.
//
// It is a package of its own, not a file of devnet's tests, so that the
// tests of other packages (the CLI, the client SDK, the worker, the
// dashboard) use the same setup; devnet's own tests use it from the
// external test package devnet_test.
package devnettest
