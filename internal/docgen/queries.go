package main

import (
	"fmt"
	"strings"

	"github.com/phalanx-net/phalanx/chain/app"
)

// queryTable renders the ABCI query paths, from the application's module
// manager, as a Markdown table.
func queryTable() string {
	mods := app.NewModules()
	var b strings.Builder
	b.WriteString("| path | module | data | answer |\n|---|---|---|---|\n")
	for _, path := range mods.QueryPaths() {
		q, _ := mods.Query(path)
		data, answer := q.Data, "the key the data names; provable"
		switch {
		case q.Prefix != nil:
			data, answer = "—", fmt.Sprintf("every record under `%s`, as a CBOR array (at most 10,000); without proof", q.Prefix)
		case data == "":
			key, _ := q.Key(nil)
			data, answer = "—", fmt.Sprintf("`%s`; provable", key)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", path, q.Module, cell(data), answer)
	}
	return b.String()
}
