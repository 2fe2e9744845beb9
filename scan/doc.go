// Package scan finds US Social Security numbers (and ITINs) and payment card
// numbers in mail, masks them, and reports every part it could not read with
// confidence so that callers can withhold it (fail closed).
//
// It is pure: it reads the bytes it is given and nothing else, and it imports
// nothing of intake's. The detectors (ssn.go, pan.go) work on any text; the
// walk (walk.go) turns a whole RFC 5322 message, with its encodings, charsets,
// HTML and attachments, into text for them.
package scan
