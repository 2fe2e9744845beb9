package budget

import "errors"

// Reasons a part could not be scanned, as the JSON contract names them
// (scan.Reason* are the public names; TestReasonsAgree in package scan
// holds the two lists together).
const (
	ReasonUnknownCharset = "unknown_charset" // declared charset unknown and the bytes are not UTF-8
	ReasonBadEncoding    = "bad_encoding"    // broken base64, quoted-printable or charset bytes
	ReasonEncrypted      = "encrypted"       // encrypted PDF, zip entry or Office file
	ReasonParseError     = "parse_error"     // a container we know but could not parse
	ReasonNoText         = "no_text"         // image or other binary we have no text for
	ReasonUnsupported    = "unsupported"     // a format we do not read (legacy .doc, rar, 7z...)
	ReasonTooLarge       = "too_large"       // decoded-bytes budget exceeded
	ReasonTooDeep        = "too_deep"        // nesting budget exceeded
	ReasonTooManyParts   = "too_many_parts"  // part or archive-entry budget exceeded
	ReasonArchiveBomb    = "archive_bomb"    // expansion ratio budget exceeded
	ReasonTimeout        = "timeout"         // time budget exceeded
	ReasonTruncated      = "truncated"       // the message or an entry ends early
)

// unscannableError carries a machine-readable reason up from a reader to
// the walk, which records the part as unscannable.
type unscannableError struct {
	reason string
	detail string // never content; safe to log
}

func (e *unscannableError) Error() string {
	if e.detail == "" {
		return "unscannable: " + e.reason
	}
	return "unscannable: " + e.reason + ": " + e.detail
}

// Unscannable is the error a reader returns for a part it cannot read
// with confidence. detail is for the log: never content.
func Unscannable(reason, detail string) error {
	return &unscannableError{reason: reason, detail: detail}
}

// ReasonOf maps any reader error to a contract reason; errors that are
// not made by Unscannable are parser failures.
func ReasonOf(err error) string {
	var u *unscannableError
	if errors.As(err, &u) {
		return u.reason
	}
	return ReasonParseError
}

// IsUnscannable reports whether err (or one it wraps) was made by
// Unscannable.
func IsUnscannable(err error) bool {
	var u *unscannableError
	return errors.As(err, &u)
}

// IsUnscannableExact reports whether err itself, not one it wraps, was
// made by Unscannable.
func IsUnscannableExact(err error) bool {
	_, ok := err.(*unscannableError)
	return ok
}
