// Package devnet runs a whole Phalanx network on one machine, in one
// process: N gatekeepers (CometBFT validators) on 127.0.0.1, a fresh
// genesis with the seed's allocation, and prefunded development accounts
// in an unencrypted test keyring.
//
// A devnet's home holds the keyring (keyring-test/), one node home per
// gatekeeper (gatekeepers/gk0, gk1, ...) and, once the network committed
// its first block, devnet.json, which tells clients where the RPC servers
// are. Starting a devnet on a home that has one resumes it at the height
// and state it stopped at.
package devnet
