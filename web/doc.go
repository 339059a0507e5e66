// Package web is the dashboard and explorer every node can serve: the
// chain's height and block interval, the gatekeepers, the workers (with
// the sim platform's warning shown plainly), clusters, contracts, stake
// pools and the reward pool, recent blocks, and a page per block,
// transaction and account. Pages are html/template rendered on the
// server from the node's own RPC (through sdk/client); a few lines of
// plain JavaScript follow /events, a server-sent event stream of new
// heights, and refresh the page's live parts. There is no build step.
package web
