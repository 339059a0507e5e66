// Package domain is the registry of Phalanx's domain-separation labels:
// every string the code mixes into a signature, hash, key derivation or
// HPKE info so that bytes made for one purpose never pass for another's.
// Each label is a named constant here, with a comment on what it
// separates; code uses the constants, never a literal.
//
// New labels follow one format:
//
//	phalanx/<area>: <purpose> v<N>
//
// where area is the package or module that owns the label (lower case,
// digits and hyphens), purpose says what the label separates (lower case
// words), and N starts at 1 and grows when the bytes under the label
// change meaning. A label followed by data ends in a space (or a NUL
// byte) so that its data cannot extend it into another label; a label
// built with fmt keeps its whole format string here, its verbs last.
//
// Older labels do not all follow the format, and cannot change: they are
// in signatures, keys and state already made, and changing one byte of a
// label changes every signature, key, address or hash made under it.
// Labels lists them as frozen, each with its reason; no new label may be
// added to them. TestLabels checks that every label is unique, that none
// is a prefix of another unless the registry says why that is safe, and
// that every label that is not frozen follows the format;
// TestNoLabelLiteralsOutsideTheRegistry, that no non-test Go file of the
// repository outside this package writes a label as a literal.
//
// This package imports only the standard library, so that anything may
// import it.
package domain
