// Package safetext is the one rule for text that comes from the chain or
// another user and is shown to people: which such text is plain enough to
// accept, and how any other text is shown so that it cannot pass for
// something else (a forged line, a terminal escape, reversed text).
package safetext
