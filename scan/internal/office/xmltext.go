package office

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// xmlRules say which parts of an Office XML file are text a person typed.
// Elements are matched by local name: the prefixes vary between producers
// (w:, a:, x:, none) and the local names we need do not collide.
type xmlRules struct {
	all   bool                // every character datum is text (OpenDocument)
	text  map[string]bool     // elements whose character data is text
	para  map[string]bool     // end tag ends a paragraph or row: newline
	cell  map[string]bool     // end tag ends a table cell: tab
	space map[string]bool     // empty element stands for a space (tab, text:s)
	brk   map[string]bool     // empty element stands for a line break
	dash  map[string]bool     // empty element stands for a hyphen (w:noBreakHyphen)
	skip  map[string]bool     // subtrees with no text (embedded base64, formulas)
	attrs map[string][]string // element -> attributes whose values are text (alt text, tooltips)
	// numeric elements hold numbers as the file writes them
	// ("4.111111111111111E15" in a chart's or pivot cache's values): their
	// text and text attributes are shown as a person reads them.
	numeric map[string]bool
	// allAttrs: every attribute value is text, as in the data parts a
	// document binds its content controls to (customXml/item1.xml).
	allAttrs bool
	// elemBreak: every element boundary separates two values, as in data
	// XML where <ssn>..</ssn><card>..</card> must not run together.
	elemBreak bool
	// odfCells: OpenDocument table cells carry their value in attributes
	// (office:value) beside the text the producer rendered; see odfCell.
	odfCells bool
	// lenient parsing for legacy VML, which Office writes with HTML habits
	// (unclosed <br>) inside its text boxes.
	lenient bool
}

func nameSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// ooxmlAttrs are the attributes of WordprocessingML, DrawingML,
// PresentationML and VML that hold text a person sees or that ships in the
// file: a picture's alt text and title (wp:docPr, pic:cNvPr, p:cNvPr,
// xdr:cNvPr descr/title), content controls' names, tags, placeholders and
// list items (w:sdt), legacy form fields' defaults, help and list entries
// (w:ffData), document variables, hyperlink tooltips, simple fields'
// instructions, WordArt and VML alt text, and SmartArt placeholder text.
var ooxmlAttrs = map[string][]string{
	"sheet":      {"name"},
	"docPr":      {"descr", "title"},
	"cNvPr":      {"descr", "title"},
	"alias":      {"val"},
	"tag":        {"val"},
	"docPart":    {"val"},
	"listItem":   {"displayText", "value"},
	"docVar":     {"val"},
	"default":    {"val"},
	"statusText": {"val"},
	"helpText":   {"val"},
	"listEntry":  {"val"},
	"hyperlink":  {"tooltip"},
	"hlinkClick": {"tooltip"},
	"hlinkHover": {"tooltip"},
	"fldSimple":  {"instr"},
	"textpath":   {"string"},
	"shape":      {"alt"},
	"imagedata":  {"title"},
	"prSet":      {"phldrT"},
}

var (
	// WordprocessingML and DrawingML (text boxes, SmartArt, charts) and the
	// PresentationML comment element. Runs (w:r, a:r) are not separators:
	// a number typed across two runs is whole again.
	ooxmlRules = xmlRules{
		text:    nameSet("t", "delText", "instrText", "v", "text"),
		para:    nameSet("p", "tr", "pt"), // pt: a chart's data point
		cell:    nameSet("tc"),
		space:   nameSet("tab", "ptab"),
		brk:     nameSet("br", "cr"),
		dash:    nameSet("noBreakHyphen"), // 078-05-1123 typed with Ctrl+Shift+-
		skip:    nameSet("binData", "fldData"),
		attrs:   ooxmlAttrs,
		numeric: nameSet("v"),
	}
	// OpenDocument: text lives in character data anywhere in the body
	// (svg:title and svg:desc, the alt text of a frame, and office:annotation
	// included); the layout lives in attributes, except for hyperlink
	// targets and form controls' values.
	odfRules = xmlRules{
		all:   true,
		para:  nameSet("p", "h", "table-row", "list-item"),
		cell:  nameSet("table-cell"),
		space: nameSet("s", "tab"),
		brk:   nameSet("line-break"),
		skip:  nameSet("binary-data", "script", "event-listeners"),
		attrs: map[string][]string{
			"a":              {"href"},
			"text":           {"current-value", "value"},
			"textarea":       {"current-value", "value"},
			"formatted-text": {"current-value", "value"},
			"combobox":       {"current-value", "value"},
			"option":         {"label", "value"},
			"button":         {"label", "title"},
			"checkbox":       {"label"},
			// A user field's value is declared once and shown wherever
			// the field is used.
			"user-field-decl": {"string-value", "value"},
		},
		odfCells: true,
	}
	// Document properties (docProps/*.xml, meta.xml): every value.
	propsRules = xmlRules{all: true, para: nameSet("title", "subject", "creator", "keywords", "description", "lastModifiedBy", "category", "property", "lpwstr", "lpstr")}
	// Any other XML in a package (legacy VML drawings, ribbon XML, parts of
	// a producer's own): every character datum and the text attributes,
	// values kept apart.
	genericXMLRules = xmlRules{all: true, elemBreak: true, attrs: ooxmlAttrs, numeric: nameSet("v")}
	// Custom XML data parts hold what content controls are bound to, in
	// elements or attributes.
	customXMLRules = xmlRules{all: true, elemBreak: true, allAttrs: true}
)

// xmlTokenCheckEvery is how many XML tokens pass between budget checks.
const xmlTokenCheckEvery = 4096

// xmlToken reads the n-th raw token of a document being extracted: it
// checks the time budget every xmlTokenCheckEvery tokens and turns a parse
// failure into an unscannable part (detail names what was read); io.EOF
// passes through.
func xmlToken(b *budget.Budget, dec *xml.Decoder, n int, what string) (xml.Token, error) {
	if n%xmlTokenCheckEvery == 0 {
		if err := b.Check(); err != nil {
			return nil, err
		}
	}
	tok, err := dec.RawToken()
	if err != nil && err != io.EOF {
		return nil, budget.Unscannable(budget.ReasonParseError, what+": "+xmlErrorDetail(err))
	}
	return tok, err
}

// xmlText writes the text of one XML document to out under rules.
func xmlText(b *budget.Budget, out *strings.Builder, data []byte, rules xmlRules) error {
	_, err := xmlTextTyped(b, out, data, rules)
	return err
}

// xmlTextTyped is xmlText that also counts the non-blank bytes of element
// text, leaving out attribute text: a document of pictures with alt text
// is still a document of pictures.
func xmlTextTyped(b *budget.Budget, out *strings.Builder, data []byte, rules xmlRules) (typed int, err error) {
	data, err = xmlUTF8(data)
	if err != nil {
		return 0, err
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = xmlCharsetReader
	d.Strict = !rules.lenient
	if rules.lenient {
		d.AutoClose = xml.HTMLAutoClose
	}
	x := &xmlWriter{out: out, w: out}
	defer func() { typed = x.typed }()
	defer x.finish()
	inText, skipping := 0, 0
	var num *strings.Builder // text of a numeric element, shown at its end
	for n := 0; ; n++ {
		tok, err := xmlToken(b, d, n, "xml")
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if skipping > 0 || rules.skip[name] {
				skipping++
				continue
			}
			if rules.elemBreak {
				x.pendingNL = x.pendingNL || x.wrote
			}
			if rules.text[name] {
				inText++
				if rules.numeric[name] {
					num = &strings.Builder{}
				}
			}
			switch {
			case rules.space[name]:
				x.flush()
				x.w.WriteByte(' ')
				x.lastSpace = true
			case rules.brk[name]:
				x.flush()
				x.w.WriteByte('\n')
				x.lastSpace = true
			case rules.dash[name]:
				x.flush()
				x.w.WriteByte('-')
				x.lastSpace = false
			}
			for _, attr := range rules.attrs[name] {
				for _, a := range t.Attr {
					if a.Name.Local == attr && a.Value != "" {
						v := a.Value
						if rules.numeric[name] {
							v = normalizeNumber(v)
						}
						x.side(v)
					}
				}
			}
			if rules.allAttrs {
				for _, a := range t.Attr {
					if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" && a.Value != "" {
						x.side(a.Value)
					}
				}
			}
			if rules.odfCells && rules.cell[name] {
				x.odfCellStart(t)
			}
		case xml.EndElement:
			name := t.Name.Local
			if skipping > 0 {
				skipping--
				continue
			}
			if rules.text[name] && inText > 0 {
				inText--
				if num != nil && rules.numeric[name] {
					x.flush()
					x.w.WriteString(normalizeNumber(num.String()))
					x.lastSpace, x.wrote = false, true
					num = nil
				}
			}
			if rules.elemBreak {
				x.pendingNL = x.pendingNL || x.wrote
			}
			switch {
			case rules.para[name]:
				x.flush()
				x.pendingNL = true
				x.lastSpace = true
				x.sideOut()
			case rules.cell[name]:
				x.pendingNL = false
				if rules.odfCells {
					x.odfCellEnd()
				}
				x.w.WriteByte('\t')
				x.lastSpace = true
			}
		case xml.CharData:
			if skipping > 0 {
				continue
			}
			switch {
			case num != nil:
				num.Write(t)
				x.typed += len(bytes.TrimSpace(t))
			case inText > 0:
				x.flush()
				x.w.Write(t)
				x.lastSpace, x.wrote = false, true
				x.typed += len(bytes.TrimSpace(t))
			case rules.all:
				if len(bytes.TrimSpace(t)) == 0 {
					// Indentation between elements renders as at most one
					// space (ODF 1.2 6.1.2), which keeps a number whole
					// for the detector while separating words.
					if !x.lastSpace {
						x.flush()
						x.w.WriteByte(' ')
						x.lastSpace = true
					}
					continue
				}
				x.flush()
				x.w.Write(t)
				x.lastSpace, x.wrote = false, true
				x.typed += len(t)
			}
		}
	}
}

// xmlWriter is the output side of xmlText.
type xmlWriter struct {
	out *strings.Builder
	w   *strings.Builder // out, or the buffer of an OpenDocument value cell
	// A paragraph's newline waits until more text comes, so the last
	// paragraph of a table cell ends with the cell's tab instead.
	pendingNL bool
	lastSpace bool // collapse whitespace in "all" mode
	wrote     bool // some text was written since the last separator
	typed     int  // non-blank bytes of element text
	// aside holds attribute text (alt text, tooltips, control names); it
	// is written after the paragraph it belongs to, so it never splits the
	// paragraph's text.
	aside strings.Builder
	// An OpenDocument cell with a value attribute, being buffered.
	cellBuf    strings.Builder
	cellDepth  int
	cellValue  string
	cellNumber bool
}

func (x *xmlWriter) flush() {
	if x.pendingNL {
		x.w.WriteByte('\n')
		x.pendingNL = false
		x.lastSpace, x.wrote = true, false
	}
}

func (x *xmlWriter) side(v string) {
	x.aside.WriteString(v)
	x.aside.WriteByte('\n')
}

// sideOut writes the attribute text gathered so far on lines of its own.
func (x *xmlWriter) sideOut() {
	if x.aside.Len() == 0 {
		return
	}
	x.flush()
	x.w.WriteByte('\n')
	x.w.WriteString(x.aside.String())
	x.aside.Reset()
	x.lastSpace, x.wrote = true, false
}

func (x *xmlWriter) finish() {
	if x.cellDepth > 0 {
		x.w = x.out
		x.out.WriteString(x.cellBuf.String())
		x.cellDepth = 0
	}
	x.flush()
	x.sideOut()
}

// odfCellStart begins a table cell. A cell whose value is in an attribute
// (office:value of a number, office:string-value) is buffered, so that
// odfCellEnd can choose between the text the producer rendered and the
// value, as cellShown does for a workbook.
func (x *xmlWriter) odfCellStart(t xml.StartElement) {
	if x.cellDepth > 0 {
		x.cellDepth++ // a sub-table: its cells are part of this one
		return
	}
	var kind, value, str string
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "value-type":
			kind = a.Value
		case "value":
			value = a.Value
		case "string-value":
			str = a.Value
		}
	}
	switch {
	case (kind == "float" || kind == "percentage" || kind == "currency") && value != "":
		d, ok := parseDecimal(value)
		if !ok {
			return
		}
		x.cellValue, x.cellNumber = d.general(), true
	case str != "":
		x.cellValue, x.cellNumber = str, false
	default:
		return
	}
	x.flush()
	x.cellBuf.Reset()
	x.cellDepth = 1
	x.w = &x.cellBuf
}

func (x *xmlWriter) odfCellEnd() {
	if x.cellDepth == 0 {
		return
	}
	if x.cellDepth--; x.cellDepth > 0 {
		return
	}
	x.w = x.out
	shown := strings.TrimSpace(x.cellBuf.String())
	switch {
	case x.cellNumber:
		x.out.WriteString(cellShown(shown, x.cellValue))
	case shown == "":
		x.out.WriteString(x.cellValue)
	default:
		x.out.WriteString(x.cellBuf.String())
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
		return nil, budget.Unscannable(budget.ReasonBadEncoding, "xml: bad UTF-16")
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
