// Command docgen writes the tables of docs/protocol.md that are facts of the
// code: every coded error a node can return (module.DefineError, by
// codespace and code) and every event type the chain emits with its
// attributes. It reads them from the source with go/ast, so the tables are
// what the code does, not what someone remembered to write down.
//
// Run it from anywhere in the repository after changing an error or an
// event:
//
//	go run ./internal/docgen
//
// Its test, in the default suite, fails when the checked-in tables differ
// from what it would write, and when the errors it reads from the source
// differ from the ones the application registers at run time.
package main
