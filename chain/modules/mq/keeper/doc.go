// Package keeper is the message queue's state code: it checks and routes
// posted messages by topic, stores the messages modules send to enclaves,
// and prunes the ones their recipients reported consumed at the end of a
// block. The message, its signing bytes and the keys are in package mq.
package keeper
