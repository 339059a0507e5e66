package envelope

import "errors"

// Every failure to open something is one of these, wrapped with details, so
// that callers can tell a broken sender (ErrMalformed), a forgery or a
// message for someone else (ErrDecrypt) and a repeated message (ErrReplay)
// apart with errors.Is.
var (
	// ErrMalformed is returned for input of the wrong length: truncated,
	// too short to hold its fixed-size parts, or of the wrong size.
	ErrMalformed = errors.New("envelope: malformed")
	// ErrDecrypt is returned when authentication fails: the input was
	// tampered with, or sealed to another key, info string or session.
	ErrDecrypt = errors.New("envelope: decryption failed")
	// ErrReplay is returned by a server session for a sequence number it
	// has already accepted, or one too far below the highest it has seen
	// to tell.
	ErrReplay = errors.New("envelope: replayed message")
)
