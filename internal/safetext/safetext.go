package safetext

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Plain reports whether s is valid UTF-8 made only of graphic characters
// and ordinary spaces: no control characters (newlines, terminal escapes),
// no format characters (bidirectional overrides, zero-width marks), no
// line or paragraph separators, no private-use characters.
func Plain(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != ' ' && !unicode.IsGraphic(r) || unicode.In(r, unicode.Cf, unicode.Co, unicode.Zl, unicode.Zp) {
			return false
		}
	}
	return true
}

// Show returns s as it may be printed: s itself when it is Plain, else s
// quoted with Go's escapes (`"vo\nting"`), so every byte is visible and
// the text stays on its line.
func Show(s string) string {
	if Plain(s) {
		return s
	}
	return strconv.QuoteToGraphic(s)
}
