package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// protocolDoc is the document whose tables are generated, from the root.
const protocolDoc = "docs/protocol.md"

// regenerate is the command that rewrites the tables, for messages.
const regenerate = "go run ./internal/docgen"

// Generate returns docs/protocol.md as it should be: the file under root
// with its generated sections rewritten from the source.
func Generate(root string) (current, want []byte, err error) {
	r, err := loadRepo(root)
	if err != nil {
		return nil, nil, err
	}
	errs, err := readErrors(r)
	if err != nil {
		return nil, nil, err
	}
	evs, err := readEvents(r)
	if err != nil {
		return nil, nil, err
	}
	current, err = os.ReadFile(filepath.Join(root, protocolDoc))
	if err != nil {
		return nil, nil, fmt.Errorf("docgen: %w", err)
	}
	want, err = splice(current, "errors", errorTable(errs))
	if err != nil {
		return nil, nil, err
	}
	want, err = splice(want, "events", eventTable(evs))
	if err != nil {
		return nil, nil, err
	}
	want, err = splice(want, "queries", queryTable())
	if err != nil {
		return nil, nil, err
	}
	return current, want, nil
}

// errorTable renders the coded errors as a Markdown table.
func errorTable(errs []codedError) string {
	var b strings.Builder
	b.WriteString("| codespace/code | error | Go | when |\n|---|---|---|---|\n")
	for _, e := range errs {
		fmt.Fprintf(&b, "| `%s/%d` | %s | `%s` | %s |\n", e.Codespace, e.Code, cell(e.Desc), e.Name, cell(e.When))
	}
	return b.String()
}

// eventTable renders the event types as a Markdown table.
func eventTable(evs []event) string {
	var b strings.Builder
	b.WriteString("| event | attributes | emitted by |\n|---|---|---|\n")
	for _, ev := range evs {
		attrs := make([]string, len(ev.Attrs))
		for i, a := range ev.Attrs {
			var notes []string
			if a.Indexed {
				notes = append(notes, "indexed")
			}
			if a.Optional {
				notes = append(notes, "optional")
			}
			attrs[i] = "`" + a.Key + "`"
			if len(notes) > 0 {
				attrs[i] += " (" + strings.Join(notes, ", ") + ")"
			}
		}
		by := make([]string, len(ev.EmittedBy))
		for i, f := range ev.EmittedBy {
			by[i] = "`" + f + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", ev.Type, strings.Join(attrs, ", "), strings.Join(by, ", "))
	}
	return b.String()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// splice replaces what lies between the section's markers in doc.
func splice(doc []byte, section, body string) ([]byte, error) {
	begin := []byte("<!-- BEGIN GENERATED " + section + ": " + regenerate + "; do not edit -->\n")
	end := []byte("<!-- END GENERATED " + section + " -->")
	i := bytes.Index(doc, begin)
	if i < 0 || bytes.Count(doc, begin) != 1 {
		return nil, fmt.Errorf("docgen: %s needs exactly one line %q", protocolDoc, strings.TrimSpace(string(begin)))
	}
	j := bytes.Index(doc[i:], end)
	if j < 0 {
		return nil, fmt.Errorf("docgen: %s has no %q after its begin marker", protocolDoc, end)
	}
	j += i
	var out bytes.Buffer
	out.Write(doc[:i+len(begin)])
	out.WriteString(body)
	out.Write(doc[j:])
	return out.Bytes(), nil
}
