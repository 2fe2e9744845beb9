// Package tnef reads TNEF (Transport Neutral Encapsulation Format,
// MS-OXTNEF): the winmail.dat, application/ms-tnef, part in which Outlook
// and Exchange send a message's body and attachments. It gives the
// scanner what a person would see once Outlook opened it: the plain body,
// the text of the RTF body (decompressed, MS-OXRTFCP, and read by
// scan/internal/rtf), the HTML body (raw, for the caller's HTML reader),
// the message's other text properties, and each attachment's name and
// bytes, embedded Outlook items read as messages of their own.
//
// It is a reader for hostile input: nothing is allocated from a length
// in the file before that length is checked against the bytes that are
// there, decompression and nesting are bounded by Limits, and what cannot
// be read with confidence is reported as a Problem, with the scanner's
// reason names, so the caller withholds it: fail closed.
//
// github.com/teamwork/tnef was looked at first and not taken: it slices
// by lengths from the file without checking them (a truncated file
// panics), reads level-2 attributes into an attachment that may not
// exist, and does not decompress the RTF body.
package tnef
