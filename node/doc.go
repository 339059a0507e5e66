// Package node runs a gatekeeper: the Phalanx application and a CometBFT
// v1 node in one process, joined by CometBFT's local ABCI client.
//
// CometBFT does consensus, p2p, the mempool, block storage, the light
// client and the RPC (HTTP and websocket, unchanged, so CometBFT's own
// clients and tools work against a gatekeeper). This package only prepares
// a node's home (config, keys, genesis), starts and stops the node, and
// routes CometBFT's logs into log/slog.
//
// A node's home has CometBFT's layout: config/config.toml, genesis.json,
// node_key.json and priv_validator_key.json under config/, and the
// databases under data/ — CometBFT's block store and state beside the
// application's IAVL state (data/application.db) and its state sync
// snapshots (data/snapshots). Phalanx's own settings, what the node keeps
// on disk, are in config/app.toml (AppConfig).
package node
