package rtf

import (
	"bytes"
	"fmt"
	"strings"
)

// Reasons, spelled as the scanner's JSON contract spells them, so the
// caller can pass them through unchanged.
const (
	ReasonUnknownCharset = "unknown_charset"
	ReasonParseError     = "parse_error"
	ReasonUnsupported    = "unsupported"
	ReasonTooLarge       = "too_large"
	ReasonTooDeep        = "too_deep"
	ReasonTruncated      = "truncated"
)

// Limits bound what one document may cost. Zero fields take the value of
// DefaultLimits.
type Limits struct {
	MaxText       int   // bytes of text out, Text, Info and Other together
	MaxDepth      int   // nesting of groups
	MaxControls   int   // control words and symbols
	MaxImages     int   // pictures decoded
	MaxImageBytes int64 // bytes of all pictures, decoded

	// Check, when set, is called every few thousand tokens; an error
	// from it stops the read and is returned by Extract as it is (the
	// scanner's time budget).
	Check func() error
}

// DefaultLimits suit a document in a mail of tens of MiB.
func DefaultLimits() Limits {
	return Limits{
		MaxText:       16 << 20,
		MaxDepth:      256,
		MaxControls:   8 << 20,
		MaxImages:     256,
		MaxImageBytes: 64 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxText <= 0 {
		l.MaxText = d.MaxText
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxControls <= 0 {
		l.MaxControls = d.MaxControls
	}
	if l.MaxImages <= 0 {
		l.MaxImages = d.MaxImages
	}
	if l.MaxImageBytes <= 0 {
		l.MaxImageBytes = d.MaxImageBytes
	}
	return l
}

// Result is what a document holds.
type Result struct {
	// Text is the body as Word shows it: the runs of a paragraph joined
	// with nothing between them (Word splits a line into run groups at
	// every edit), hidden text (\v) included; \par, \line, \page, \sect
	// and \row as "\n", \tab and \cell as "\t"; field results in place.
	Text string
	// Info is the document's properties (File > Info: title, subject,
	// author, manager, company, keywords, comments, custom properties
	// and document variables), one value per line.
	Info string
	// Other is the text in the file outside the body's flow, one piece
	// per line: headers, footers, footnotes, comments, text boxes and
	// shape properties, field instructions, list labels, encapsulated
	// HTML tags, and any ignorable destination (\*\...) this reader does
	// not know (reading an unknown one costs at worst a false alarm).
	Other string
	// Links are the targets of HYPERLINK fields.
	Links []string
	// Images are the pictures (\pict), decoded from hex or \bin.
	Images []Image
	// Objects counts embedded OLE objects (\object); their data is not
	// read, and each is also a Problem (unsupported). Their rendering
	// (\result) is read like the body.
	Objects int
	// Problems are what could not be read with confidence; a document
	// with any is to be withheld by a fail-closed caller.
	Problems []Problem
}

// AllText is Text, Info, Other and the link targets, each on lines of
// their own: everything the scanner should look at.
func (r *Result) AllText() string {
	var b strings.Builder
	b.Grow(len(r.Text) + len(r.Info) + len(r.Other) + 64)
	for _, s := range []string{r.Text, r.Info, r.Other} {
		if s == "" {
			continue
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	for _, l := range r.Links {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Image is one picture of the document.
type Image struct {
	// Format is what the picture's control word says it is: "png",
	// "jpeg", "emf", "wmf", "bmp" (a \dibitmap, given a BMP file
	// header here so image decoders take it), "ddb" (a device-dependent
	// \wbitmap), "pict" (Macintosh), "os2" (\pmmetafile) or "" when
	// none was given. Data is still what it is: sniff it.
	Format string
	Data   []byte
	// Width and Height are \picw and \pich (pixels for a bitmap, HIMETRIC
	// for a metafile), 0 when absent.
	Width, Height int
	// Fallback is set for a picture that Word itself does not show: the
	// rendering for older readers (\nonshppict, \shprslt) of a picture
	// already given in its primary form just before (\shppict, a
	// shape's pib). WordPad and other simple readers show it instead.
	Fallback bool
}

// Name is a file name for the i-th picture (from 1), to locate it:
// "image3.png".
func (im Image) Name(i int) string {
	ext := im.Format
	switch ext {
	case "":
		ext = "bin"
	case "jpeg":
		ext = "jpg"
	}
	return fmt.Sprintf("image%d.%s", i, ext)
}

// Problem is one reason the document was not fully read. Detail never
// holds document content.
type Problem struct {
	Reason string
	Detail string
}

func (p Problem) String() string { return p.Reason + ": " + p.Detail }

// IsRTF reports whether data starts like an RTF document ("{\rtf", after
// a byte-order mark or white space), whatever its label says.
func IsRTF(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return bytes.HasPrefix(data, []byte(`{\rtf`))
}

// Extract reads an RTF document. The error is Check's, returned as it
// is, with what was read until then; every other difficulty is in
// Result.Problems.
func Extract(data []byte, lim Limits) (*Result, error) {
	p := newParser(data, lim.withDefaults())
	if !IsRTF(data) {
		p.problem(ReasonParseError, `no {\rtf header`)
	}
	err := p.run()
	return p.result(), err
}
