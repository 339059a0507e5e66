// Package keeper is the registry's state code: it verifies registrations
// at block time, writes the enclave records and the parameters, and tells
// other modules about new enclaves (Hooks). Records is the read-only part
// the other modules and the message queue use. The messages and records
// are in package registry.
package keeper
