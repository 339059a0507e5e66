// Package client is the Go client of a Phalanx chain: it reads state from a
// gatekeeper's RPC (optionally with Merkle proofs), builds and signs
// transactions, broadcasts them and waits until they are committed.
//
// It speaks CometBFT's ordinary RPC, so it works against any gatekeeper,
// local or remote. Errors a node returns for a transaction come back as
// *TxError, which matches the chain's registered errors with errors.Is
// (errors.Is(err, tx.ErrStaleNonce)).
//
// # Nothing applied twice
//
// Submit signs a transaction once and from then on sends only those bytes:
// every resend, to the same node or another, is of the same signed bytes
// with the same nonce, and the chain accepts each nonce of an account once.
// So however often the bytes are sent, by Submit, Resume or anyone holding
// them, they apply at most once. (Signing the same messages again would
// take the account's next nonce and make a second transaction: never do
// that to retry one whose outcome is unknown; Resume its bytes instead.)
//
// # Outcomes
//
// A transaction call ends in one of three ways:
//
//   - committed: a *Result, and a *TxError beside it if the transaction
//     failed in its block (it paid its fee; TxError.Height is the block);
//   - refused: a *TxError with Height 0, ErrMempoolFull, or an error that
//     no node could be reached (a *NoAnswerError whose nodes could not be
//     connected to). Nothing was applied, and none of the nodes holds the
//     transaction;
//   - unknown: an *UnknownError (errors.Is(err, ErrUnknown)) with the
//     transaction's hash and signed bytes. A node may have received the
//     transaction without the client seeing its answer or its commit: the
//     connection broke after the request was sent, the wait for the
//     commit timed out (ErrTimeout, during a halt say), the context
//     ended. Before it says so the client looks the hash up on every node
//     it knows. The transaction may still be committed: WaitTx(Hash)
//     finds out without sending anything, Resume(Tx) sends the bytes again.
//
// CometBFT's "tx already exists in cache" is not a failure: a node holds
// the bytes already (pending, or committed), so the client waits for
// them by hash. When the bytes were there before this client sent them,
// Result.AlreadySent says so: an identical transaction (same key, nonce
// and content) was sent before, and its result is not a second transfer.
//
// # Several nodes
//
// New("url1,url2") or NewMulti gives a client of several gatekeepers of
// one chain. It asks one node at a time, first the first and then the one
// that answered last; a node that gives no answer (nothing listens, the
// connection breaks, no answer in RequestTimeout, a proxy's error page) is
// passed over for the next, for queries, proofs, lookups and broadcasts
// alike. An answer is final: a refusal, a record not found or a failed
// proof from one node is returned, not asked of the next. While it waits
// for a commit, a client whose node stops answering goes on at the next
// and sends it the same bytes, in case the first died before passing them
// on. Each node is asked for its chain id before its first use, and a node
// of another chain than the first that answered is refused
// (*ChainMismatchError, ErrWrongChain).
//
// Failover is for nodes that are down, not for nodes that lie or lag: the
// client trusts the answer of whichever node answers (a node behind the
// others may give an older nonce, say), and headers come from that node
// too (a light client verifies headers; workers do).
package client
