// Package stakepool lets PHA holders back workers they do not run: a
// pool's owner adds the workers they operate, delegators put PHA in, the
// owner starts the pool's workers computing with the pool's free stake,
// and the workers' rewards (their 70 % share) are paid to the pool: the
// owner's commission first, the rest to delegators in proportion to their
// shares, to claim when they like.
//
// A withdrawal is paid at once from free stake, or waits in the pool's
// queue until stake is freed; if it is still unmet after WithdrawGrace,
// the pool's workers are stopped, so their stake comes back after the
// cooldown. Shares, rewards per share and commissions are fixed point; a
// delegator's reward is shares × (accumulated reward per share − what it
// was when they last claimed), so paying a pool costs the same however
// many delegators it has. A slash of a pool's worker lowers the pool's
// stake, not its shares: every delegator loses the same fraction.
//
// This package is the module's wire side: messages, records, state keys,
// events, errors and what shares are worth (Value). It links no state
// code; the keeper is package chain/modules/stakepool/keeper.
package stakepool
