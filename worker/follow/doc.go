// Package follow follows a CometBFT chain without trusting the RPC node it
// reads from.
//
// A Follower keeps one trusted light block (a signed header and the
// validator set that signed it). Sync moves it forward one height at a
// time with CometBFT's light-client checks: the first block against the
// genesis validators (types.ValidatorSet.VerifyCommitLight), every later
// block with light.VerifyAdjacent against the block before it, so every
// header's validator set is the one its predecessor named in
// NextValidatorsHash and more than two thirds of that set's voting power
// signed it. The follower also checks that each header names its verified
// predecessor in LastBlockID. Prove reads one state key with an ABCI query
// and checks its ICS-23 proof against the app hash of the trusted header.
//
// Speed comes from the transport, never from skipping a check: signed
// headers are fetched in JSON-RPC batches (when the client is CometBFT's
// HTTP client), several batches are in flight ahead of verification, and
// a validator set is fetched only when a header names one that is not
// cached. Verification itself stays sequential.
//
// Trust and its limits. Starting from genesis trusts the genesis
// validators; resuming trusts the checkpoint, which the caller must keep
// where the host cannot alter it (a worker seals it). Each step is allowed
// only while the trusted header is younger than Options.TrustingPeriod by
// the local clock. This bounds the long-range attack: validators that have
// since left the set (and may have sold or leaked their keys, with nothing
// left to slash) can sign a second history from an old height that looks
// valid to anyone who last trusted that height. A follower whose trusted
// header is older than the trusting period therefore refuses to go on
// (ErrTrustExpired), and so does one starting from a genesis older than
// the trusting period: it needs a recent trust root from a source the
// operator trusts (Options.TrustedHeight and Options.TrustedHash, or a
// fresh checkpoint). The trusting period must be shorter than the time a
// departing validator stays accountable (its unbonding period); Phalanx's
// gatekeepers are fixed at genesis today, so the default of 14 days is a
// policy, not a derived bound. The clock is the worker's own, outside the
// chain's logic: a host that moves it back can stretch the window, which
// is one more reason to keep the trusting period short.
package follow
