// Package computing is the network's computing economics, after Phala's,
// on chain and in fixed point: workers' benchmark scores, computing
// sessions backed by stake, heartbeat challenges drawn from block hashes,
// each worker's value V, and rewards paid from the 700 M PHA reward pool
// to the worker, the gatekeepers and the treasury. A worker whose contract
// result its cluster outvoted is slashed (part of its stake goes to the
// treasury) and must answer a challenge to earn again (Penalize).
//
// All rates are per unit of block time (the BFT time in each header), not
// per block, so they hold whatever the block interval. State changes are
// lazy: a worker's V is brought up to date when something happens to it
// (a heartbeat, a missed one, a stop), by the time elapsed since its last
// update. docs/economics.md gives the formulas and how they differ from
// Phala's.
//
// This package is the module's wire side: messages, queue payloads,
// records, state keys, events, errors, genesis and the formulas (econ.go),
// which need no state. It links no state code; the keeper is package
// chain/modules/computing/keeper.
package computing
