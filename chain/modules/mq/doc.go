// Package mq is the signed message queue between the chain and the
// enclaves (workers and gatekeepers).
//
// Ingress: an enclave signs (chain id, sequence, topic, payload) with its
// identity key; any account may carry the message to the chain in a
// MsgPost and pay its fee. The chain accepts exactly the sender's next
// sequence number, so a duplicate or a replay is refused, and several
// relayers may race to post the same message. Accepted messages are routed
// by topic to the module that registered it.
//
// Egress: modules send messages to an enclave with the keeper's Send. Each is
// stored in the state under its recipient and sequence number, with the
// height of the block that sent it, next to the recipient's message count;
// an enclave reads the count and the messages with proofs against the app
// hash of a header it verified, so the host it runs on can neither forge,
// reorder nor hide a message.
//
// Pruning: each post may carry, signed, how many of the chain's messages
// to its sender the sender's saved checkpoint counts handled; at the end
// of each block the queue deletes those (a bounded number a block), since
// the recipient never reads below that count again and no one else reads
// its messages.
//
// This package is the module's wire side: the message, what enclaves
// sign, state keys, events and errors. It links no state code; the keeper
// is package chain/modules/mq/keeper.
package mq
