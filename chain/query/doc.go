// Package query names the paths of the gatekeepers' ABCI queries and
// what data each takes. It is apart from the application (package
// chain/app, which answers them) so that a client, a worker or an
// enclave that asks them does not link the application and its state
// database.
package query
