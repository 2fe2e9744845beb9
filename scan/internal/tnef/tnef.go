package tnef

import (
	"encoding/binary"
	"strings"

	"github.com/intake-mail/intake/scan/internal/rtf"
)

// Reasons, spelled as the scanner's JSON contract spells them.
const (
	ReasonUnknownCharset = "unknown_charset"
	ReasonBadEncoding    = "bad_encoding"
	ReasonParseError     = "parse_error"
	ReasonUnsupported    = "unsupported"
	ReasonTooLarge       = "too_large"
	ReasonTooDeep        = "too_deep"
	ReasonTooManyParts   = "too_many_parts"
	ReasonTruncated      = "truncated"
)

// Limits bound what one TNEF stream may cost. Zero fields take the value
// of DefaultLimits.
type Limits struct {
	// MaxText bounds the text decoded from the stream's strings (bodies,
	// subject, properties, names), as UTF-8, embedded items included.
	MaxText int64
	// MaxRTF bounds one decompressed RTF body.
	MaxRTF int
	// MaxAttachments bounds the attachments, embedded items' included.
	MaxAttachments int
	// MaxDepth bounds Outlook items embedded in items.
	MaxDepth int
	// RTF bounds the reading of each RTF body.
	RTF rtf.Limits
	// Check, when set, is called between attributes and given to the
	// RTF reader; an error from it stops the read and is returned by
	// Read as it is (the scanner's time budget).
	Check func() error
}

// DefaultLimits suit a winmail.dat in a mail of tens of MiB.
func DefaultLimits() Limits {
	return Limits{
		MaxText:        64 << 20,
		MaxRTF:         32 << 20,
		MaxAttachments: 500,
		MaxDepth:       4,
		RTF:            rtf.DefaultLimits(),
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxText <= 0 {
		l.MaxText = d.MaxText
	}
	if l.MaxRTF <= 0 {
		l.MaxRTF = d.MaxRTF
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = d.MaxAttachments
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.RTF.Check == nil {
		l.RTF.Check = l.Check
	}
	return l
}

// Message is what a TNEF stream (or an Outlook item embedded in one)
// holds.
type Message struct {
	Subject string
	// Body is the plain-text body (PR_BODY, else the legacy attBody), as
	// UTF-8.
	Body string
	// RTF is the text of the RTF body (PR_RTF_COMPRESSED), nil when there
	// is none. Its Problems are the body's: see AllProblems.
	RTF *rtf.Result
	// HTML is the HTML body (PR_HTML), raw; HTMLCharset names its
	// charset when the message says (PR_INTERNET_CPID), "" when not.
	HTML        []byte
	HTMLCharset string
	// Properties is the message's other text, one value per line: the
	// message's, its recipients' and its attachments' string properties
	// that are not the ones above (names, addresses, comments, a legacy
	// body that differs from PR_BODY...). Identifiers (message ids,
	// class names, address types) are left out.
	Properties string
	// Attachments are the files and embedded items, in order.
	Attachments []Attachment
	// Problems are what could not be read with confidence in this
	// message; see AllProblems for the whole tree.
	Problems []Problem
}

// Attachment is one attachment of a message.
type Attachment struct {
	// Name is the file name (PR_ATTACH_LONG_FILENAME, else the short
	// one, else the display name, else "attachment-N"), without any
	// directory and with control characters removed; not unique.
	Name string
	// MediaType is PR_ATTACH_MIME_TAG, "" when absent.
	MediaType string
	// Data is the attachment's bytes (a slice of the input). For an
	// OLE object (ATTACH_OLE) it is the OLE compound file.
	Data []byte
	// Message is an embedded Outlook item (ATTACH_EMBEDDED_MSG), read;
	// Data is nil then.
	Message *Message
}

// Problem is one reason a part of the stream was not fully read. Where
// is the path of that part inside the stream: "" for the stream itself,
// "body.rtf" for the RTF body, an attachment's name, and names joined by
// "/" inside embedded items. Detail never holds content.
type Problem struct {
	Where  string
	Reason string
	Detail string
}

// AllProblems is every problem of the message, its RTF body's and its
// embedded items', each located from the top.
func (m *Message) AllProblems() []Problem {
	return m.allProblems("")
}

func (m *Message) allProblems(prefix string) []Problem {
	var out []Problem
	join := func(where string) string {
		switch {
		case prefix == "":
			return where
		case where == "":
			return prefix
		}
		return prefix + "/" + where
	}
	for _, p := range m.Problems {
		out = append(out, Problem{Where: join(p.Where), Reason: p.Reason, Detail: p.Detail})
	}
	if m.RTF != nil {
		for _, p := range m.RTF.Problems {
			out = append(out, Problem{Where: join("body.rtf"), Reason: p.Reason, Detail: p.Detail})
		}
	}
	for _, a := range m.Attachments {
		if a.Message != nil {
			out = append(out, a.Message.allProblems(join(a.Name))...)
		}
	}
	return out
}

// signature starts every TNEF stream (MS-OXTNEF 2.1.3.1), little-endian.
const signature = 0x223e9f78

// IsTNEF reports whether data starts like a TNEF stream, whatever its
// label says.
func IsTNEF(data []byte) bool {
	return len(data) >= 4 && binary.LittleEndian.Uint32(data) == signature
}

// Read reads a TNEF stream. The error is Limits.Check's, returned as it
// is, with what was read until then; every other difficulty is in the
// message's Problems (see AllProblems).
func Read(data []byte, lim Limits) (*Message, error) {
	r := &reader{lim: lim.withDefaults()}
	return r.message(data, 0)
}

// sanitizeName keeps the last element of a path and drops control
// characters, so a name can be placed in a location.
func sanitizeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, name)
	return strings.TrimSpace(name)
}
