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
// Witnesses. With Options.Witnesses, the verified blocks of a sync round
// become trusted (the base of Prove and of checkpoints) only after the
// round's last block passed a cross-check by CometBFT's light client: from
// the last cross-checked block (at first, the first block verified from
// the genesis validators or the trusted hash) it verifies the last block
// from the primary and runs its detector, which asks every witness for
// the header at that height. Headers chain by hash, so confirming the last
// one confirms the round. The exact guarantee:
//
//   - Every trusted header is signed by more than two thirds of a
//     validator set that follows from the trust root, as without
//     witnesses; and, when at least one witness answered within
//     Options.WitnessTimeout, that witness served the same header.
//   - A primary that withholds blocks or serves what does not verify is
//     refused (the caller switches nodes). A primary that serves a second
//     history signed by the validators (which takes two thirds of a set
//     signing twice, or their old keys) is caught by any witness that
//     answers honestly: the detector verifies both headers, reports the
//     evidence to both nodes, and Sync returns a *ConflictError
//     (light.ErrLightClientAttack) without trusting anything past the
//     last cross-checked header. If no witness answers, the header stands
//     on the signatures alone and the follower logs "header not
//     cross-checked".
//   - A witness that serves an invalid header is dropped for the round;
//     one that hangs or lags costs at most WitnessTimeout and counts as
//     not answering; one that disagrees without proof (other proposer
//     priorities) only withholds its confirmation. A witness cannot stall
//     the follower. A witness that serves a validly signed conflicting
//     header stops it, as it should: the light client cannot tell which
//     side lies, and the validators have signed two histories.
//   - The light client trusts its starting block, as CometBFT's does: a
//     fork at the very first block verified from the genesis validators
//     is caught only by the validators' signatures.
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
