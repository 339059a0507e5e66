// Package hostdb is the worker host's store on its own disk, a goleveldb
// database, where its enclave keeps its sealed contract state: the
// enclave hands it only keys it hid and values it sealed
// (its sealed store, behind enclave.Backend), so the host stores what it cannot read. It lives
// outside enclave/ so that the trusted code links no database.
package hostdb
