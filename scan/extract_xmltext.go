package scan

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// xmlRules say which parts of an Office XML file are text a person typed.
// Elements are matched by local name: the prefixes vary between producers
// (w:, a:, x:, none) and the local names we need do not collide.
type xmlRules struct {
	all   bool              // every character datum is text (OpenDocument)
	text  map[string]bool   // elements whose character data is text
	para  map[string]bool   // end tag ends a paragraph or row: newline
	cell  map[string]bool   // end tag ends a table cell: tab
	space map[string]bool   // empty element stands for a space (tab, text:s)
	brk   map[string]bool   // empty element stands for a line break
	dash  map[string]bool   // empty element stands for a hyphen (w:noBreakHyphen)
	skip  map[string]bool   // subtrees with no text (embedded base64, formulas)
	attrs map[string]string // element -> attribute whose value is text (sheet names)
}

func nameSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	// WordprocessingML and DrawingML (text boxes, SmartArt, charts) and the
	// PresentationML comment element. Runs (w:r, a:r) are not separators:
	// a number typed across two runs is whole again.
	ooxmlRules = xmlRules{
		text:  nameSet("t", "delText", "instrText", "v", "text"),
		para:  nameSet("p", "tr", "pt"), // pt: a chart's data point
		cell:  nameSet("tc"),
		space: nameSet("tab", "ptab"),
		brk:   nameSet("br", "cr"),
		dash:  nameSet("noBreakHyphen"), // 078-05-1123 typed with Ctrl+Shift+-
		skip:  nameSet("binData", "fldData"),
		attrs: map[string]string{"sheet": "name"},
	}
	// OpenDocument: text lives in character data anywhere in the body; the
	// layout lives in attributes.
	odfRules = xmlRules{
		all:   true,
		para:  nameSet("p", "h", "table-row", "list-item"),
		cell:  nameSet("table-cell"),
		space: nameSet("s", "tab"),
		brk:   nameSet("line-break"),
		skip:  nameSet("binary-data", "script", "event-listeners"),
	}
	// Document properties (docProps/*.xml, meta.xml): every value.
	propsRules = xmlRules{all: true, para: nameSet("title", "subject", "creator", "keywords", "description", "lastModifiedBy", "category", "property", "lpwstr", "lpstr")}
)

// xmlTokenCheckEvery is how many XML tokens pass between budget checks.
const xmlTokenCheckEvery = 4096

// xmlToken reads the n-th raw token of a document being extracted: it
// checks the time budget every xmlTokenCheckEvery tokens and turns a parse
// failure into an unscannable part (detail names what was read); io.EOF
// passes through.
func xmlToken(b *budget, dec *xml.Decoder, n int, what string) (xml.Token, error) {
	if n%xmlTokenCheckEvery == 0 {
		if err := b.check(); err != nil {
			return nil, err
		}
	}
	tok, err := dec.RawToken()
	if err != nil && err != io.EOF {
		return nil, unscannable(ReasonParseError, what+": "+xmlErrorDetail(err))
	}
	return tok, err
}

// xmlText writes the text of one XML document to out under rules.
func xmlText(b *budget, out *strings.Builder, data []byte, rules xmlRules) error {
	data, err := xmlUTF8(data)
	if err != nil {
		return err
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = xmlCharsetReader
	d.Strict = true
	inText, skipping := 0, 0
	lastSpace := true // collapse whitespace in "all" mode
	// A paragraph's newline waits until more text comes, so the last
	// paragraph of a table cell ends with the cell's tab instead.
	pendingNL := false
	flush := func() {
		if pendingNL {
			out.WriteByte('\n')
			pendingNL = false
		}
	}
	defer flush()
	for n := 0; ; n++ {
		tok, err := xmlToken(b, d, n, "xml")
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if skipping > 0 || rules.skip[name] {
				skipping++
				continue
			}
			if rules.text[name] {
				inText++
			}
			switch {
			case rules.space[name]:
				flush()
				out.WriteByte(' ')
				lastSpace = true
			case rules.brk[name]:
				flush()
				out.WriteByte('\n')
				lastSpace = true
			case rules.dash[name]:
				flush()
				out.WriteByte('-')
				lastSpace = false
			}
			if attr, ok := rules.attrs[name]; ok {
				for _, a := range t.Attr {
					if a.Name.Local == attr && a.Value != "" {
						flush()
						out.WriteString(a.Value)
						out.WriteByte('\n')
					}
				}
			}
		case xml.EndElement:
			name := t.Name.Local
			if skipping > 0 {
				skipping--
				continue
			}
			if rules.text[name] && inText > 0 {
				inText--
			}
			switch {
			case rules.para[name]:
				flush()
				pendingNL = true
				lastSpace = true
			case rules.cell[name]:
				pendingNL = false
				out.WriteByte('\t')
				lastSpace = true
			}
		case xml.CharData:
			if skipping > 0 {
				continue
			}
			switch {
			case inText > 0:
				flush()
				out.Write(t)
				lastSpace = false
			case rules.all:
				if len(bytes.TrimSpace(t)) == 0 {
					// Indentation between elements renders as at most one
					// space (ODF 1.2 6.1.2), which keeps a number whole
					// for the detector while separating words.
					if !lastSpace {
						flush()
						out.WriteByte(' ')
						lastSpace = true
					}
					continue
				}
				flush()
				out.Write(t)
				lastSpace = false
			}
		}
	}
}

// xmlUTF8 transcodes a UTF-16 document (by its BOM) to UTF-8, since
// encoding/xml reads its declaration byte by byte as ASCII.
func xmlUTF8(data []byte) ([]byte, error) {
	var enc *unicode.Endianness
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		e := unicode.LittleEndian
		enc = &e
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		e := unicode.BigEndian
		enc = &e
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		return data[3:], nil
	}
	if enc == nil {
		return data, nil
	}
	out, err := unicode.UTF16(*enc, unicode.ExpectBOM).NewDecoder().Bytes(data)
	if err != nil {
		return nil, unscannable(ReasonBadEncoding, "xml: bad UTF-16")
	}
	// The declaration still says UTF-16; it is now UTF-8.
	return out, nil
}

// xmlCharsetReader accepts the encodings Office producers declare.
func xmlCharsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf-16le", "utf-16be":
		return in, nil // UTF-16 was transcoded by xmlUTF8
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		return charmap.ISO8859_1.NewDecoder().Reader(in), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(in), nil
	}
	return nil, fmt.Errorf("unsupported XML encoding")
}

// xmlErrorDetail keeps an XML error short and free of content: a syntax
// error names a line, never the text around it.
func xmlErrorDetail(err error) string {
	if se, ok := err.(*xml.SyntaxError); ok {
		return fmt.Sprintf("syntax error on line %d", se.Line)
	}
	msg := err.Error()
	if !utf8.ValidString(msg) || len(msg) > 80 {
		return "malformed"
	}
	if strings.ContainsAny(msg, "0123456789") {
		// encoding/xml quotes names and text in some messages; digits could
		// be content, so say less.
		return "malformed"
	}
	return msg
}
