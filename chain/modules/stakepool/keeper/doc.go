// Package keeper is the stake pools' state code: pools, delegations and
// the withdrawal queue, the rewards and slashes the computing keeper
// routes to pools (it implements computingkeeper.Pools), and the end of
// block that stops the workers of pools whose withdrawals waited too long.
// The messages and records are in package stakepool.
package keeper
