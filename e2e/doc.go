// Package e2e runs a Phalanx network as separate processes of the phalanx
// binary (gatekeepers started with `phalanx node start`, workers with
// `phalanx worker start`), perturbs it as a Manifest lists (kill -9,
// restart, pause, wipe a node's data) while a load generator sends
// transfers through the Go client, and then checks the guarantees that
// must survive: no acknowledged transfer lost or applied twice, balances
// that add up exactly, one app hash on every gatekeeper, a chain that
// keeps advancing whenever a quorum is up, workers that come back without
// registering twice.
//
// It is a package of its own, not a test helper, because the same runner
// serves the short form in `go test ./e2e` and the long form in
// `phalanx bench faults`, which measures block rate and commit latency
// with every node up and with gatekeepers down.
package e2e
