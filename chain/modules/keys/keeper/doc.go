// Package keeper is the keys module's state code: it asks gatekeepers to
// generate, hand over and rotate the master key, records its holders, and
// routes cluster keys to workers through the message queue. The payloads
// and records are in package keys.
package keeper
