package scan

import "github.com/intake-mail/intake/scan/internal/budget"

// Reasons a part could not be scanned, as they appear in the JSON contract.
// They are stable: operators count them in metrics and scripts match them.
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

// unscannable is the error a reader returns for a part it cannot read
// with confidence (budget.Unscannable): it carries the reason up to the
// walk, which records the part as unscannable. detail is never content.
func unscannable(reason, detail string) error {
	return budget.Unscannable(reason, detail)
}

// reasonOf maps any reader error to a contract reason; errors that are
// not ours are parser failures.
func reasonOf(err error) string {
	return budget.ReasonOf(err)
}
