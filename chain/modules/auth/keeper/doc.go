// Package keeper is the auth module's state code: accounts' nonces and the
// parameters, and the nonce check every transaction passes before its
// messages run. The records and keys are in package auth.
package keeper
