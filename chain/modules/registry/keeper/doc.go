// Package keeper is the registry's state code: it verifies registrations
// at block time against the vendors' collateral it stores per scope,
// writes the enclave records and the parameters, and tells other modules
// about new enclaves (Hooks) and lost standing (StandingHooks). Records is the read-only part
// the other modules and the message queue use. The messages and records
// are in package registry.
package keeper
