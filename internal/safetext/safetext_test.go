package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPlainAndShow(t *testing.T) {
	for _, c := range []struct {
		in    string
		plain bool
		shown string
	}{
		{"voting", true, "voting"},
		{"my vault 2", true, "my vault 2"},
		{"vötïng ✓ 投票", true, "vötïng ✓ 投票"},
		{"", true, ""},
		{"vo\nting", false, `"vo\nting"`},
		{"x\r\nContract 00ff fake", false, `"x\r\nContract 00ff fake"`},
		{"\x1b[31mred\x1b[0m", false, `"\x1b[31mred\x1b[0m"`},
		{"tab\there", false, `"tab\there"`},
		{"abc\u202edcba", false, `"abc\u202edcba"`}, // right-to-left override
		{"zero\u200bwidth", false, `"zero\u200bwidth"`},
		{"line\u2028sep", false, `"line\u2028sep"`},
		{"\xff\xfe", false, `"\xff\xfe"`},
	} {
		if got := Plain(c.in); got != c.plain {
			t.Errorf("Plain(%q) = %v", c.in, got)
		}
		if got := Show(c.in); got != c.shown {
			t.Errorf("Show(%q) = %s, want %s", c.in, got, c.shown)
		}
	}
}

// FuzzShow: whatever the text, what Show returns is plain, on one line.
func FuzzShow(f *testing.F) {
	for _, s := range []string{"voting", "a\nb", "\x1b[2J", "\u202e", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Show(s)
		if !Plain(out) || strings.ContainsAny(out, "\n\r\x1b") || !utf8.ValidString(out) {
			t.Fatalf("Show(%q) = %q is not plain", s, out)
		}
	})
}
