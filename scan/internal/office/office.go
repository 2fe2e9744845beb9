// Package office reads the text of Office Open XML (DOCX, XLSX, PPTX) and
// OpenDocument packages for the scanner's walk: every XML part a person can
// type into, number cells shown through their formats as Excel shows them
// (xlsx_*.go), properties, relationship targets, and every other entry of
// the package accounted for (parts.go). Pictures, SVG data: URIs and
// embedded objects are handed back to the walk through Env, which applies
// the image policy and reads an embedded PDF, archive, text or Office
// document by what its bytes are (package scan, extract_office.go).
//
// Budgets (internal/budget): a package holds at most
// Limits.MaxArchiveFiles entries; every entry read is charged to the
// decoded-bytes budget and may expand at most Limits.MaxArchiveRatio
// times its stored size; the time budget is checked between entries and
// every few thousand XML tokens. A part that cannot be read makes the
// document unscannable but the rest is still read, so its findings are
// reported too; a budget that runs out stops the reading.
package office

import (
	"archive/zip"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/intake-mail/intake/scan/internal/archive"
	"github.com/intake-mail/intake/scan/internal/budget"
)

// Kind is which of the package formats a document is.
type Kind int

const (
	DOCX Kind = iota // Office Open XML word processing
	XLSX             // Office Open XML spreadsheet
	PPTX             // Office Open XML presentation
	ODF              // OpenDocument text, spreadsheet, presentation
)

// Env is what the reader asks of the walk that called it, for what a
// package holds besides its own XML.
type Env interface {
	// Image puts a picture stored in the package, in its own file format
	// (PNG, JPEG...), under the walk's image policy; name locates it
	// inside the document ("image1.png").
	Image(name string, data []byte)
	// SVG puts the pictures an SVG part embeds as data: URIs under the
	// image policy; its text is read here, as XML.
	SVG(name string, data []byte)
	// Embedded reads an embedded object by what its bytes are, writing
	// its text to out; depth is how many documents it is embedded in. An
	// Office document found there is read with TextTo at depth+1. Errors
	// of the parts of the object (the entries of an embedded zip) go to
	// note, which keeps them as the document's verdict and returns those
	// that must stop the reading; the error returned is the object's own.
	Embedded(out *strings.Builder, name string, data []byte, depth int, note func(error) error) error
}

// Text returns the text of a DOCX, XLSX, PPTX or ODF document: every
// XML part a person can type into (body, headers and footers, notes,
// comments, text boxes, charts, properties), and the text of Office
// documents embedded in it. Runs inside a paragraph are joined with no
// separator so a number split across formatting runs is whole again. When a
// part cannot be read the text read so far is returned with the error: the
// document is unscannable, but what was read can still raise a finding.
func Text(b *budget.Budget, f Kind, data []byte, env Env) (string, error) {
	var out strings.Builder
	err := TextTo(b, f, data, &out, 0, env)
	return out.String(), err
}

// TextTo is Text writing to out, for a document embedded depth deep.
func TextTo(b *budget.Budget, f Kind, data []byte, out *strings.Builder, depth int, env Env) error {
	zr, err := archive.Open(data)
	if err != nil {
		return archive.OpenError(err)
	}
	if max := b.Limits().MaxArchiveFiles; max > 0 && len(zr.File) > max {
		return budget.Unscannable(budget.ReasonTooManyParts, fmt.Sprintf("document holds %d files, limit %d", len(zr.File), max))
	}
	doc := &officeDoc{b: b, env: env, archiveLen: int64(len(data)), files: map[string]*zip.File{}}
	for _, zf := range zr.File {
		if _, dup := doc.files[zf.Name]; !dup {
			doc.files[zf.Name] = zf
		}
		doc.names = append(doc.names, zf.Name)
	}
	sort.Slice(doc.names, func(i, j int) bool { return naturalLess(doc.names[i], doc.names[j]) })

	if f == ODF {
		if err := doc.odfEncrypted(); err != nil {
			return err
		}
	}
	if err := doc.mainPartPresent(f); err != nil {
		return err
	}
	switch f {
	case DOCX:
		err = doc.parts(out, ooxmlRules, []string{"word/document.xml"}, "word/")
	case PPTX:
		err = doc.parts(out, ooxmlRules, doc.matching("ppt/slides/"), "ppt/")
	case XLSX:
		err = doc.xlsx(out)
	case ODF:
		err = doc.parts(out, odfRules, []string{"content.xml", "styles.xml"}, "")
	default:
		return budget.Unscannable(budget.ReasonUnsupported, "not an office format")
	}
	if err != nil {
		return err
	}
	if err := doc.properties(out, f); err != nil {
		return err
	}
	if err := doc.rest(out, depth); err != nil {
		return err
	}
	return doc.deferred
}

// mainPartPresent refuses packages whose text is not in XML we read: a
// binary workbook (.xlsb) or a document without its main part would
// otherwise pass as an empty, clean file.
func (d *officeDoc) mainPartPresent(f Kind) error {
	switch f {
	case DOCX:
		if len(d.matching("word/")) == 0 {
			return budget.Unscannable(budget.ReasonUnsupported, "docx without a document part")
		}
	case XLSX:
		for _, n := range d.names {
			lower := strings.ToLower(n)
			if lower == "xl/workbook.bin" || strings.HasPrefix(lower, "xl/worksheets/") && strings.HasSuffix(lower, ".bin") {
				return budget.Unscannable(budget.ReasonUnsupported, "binary workbook (xlsb)")
			}
		}
	case ODF:
		if _, ok := d.files["content.xml"]; !ok {
			return budget.Unscannable(budget.ReasonUnsupported, "OpenDocument without content.xml")
		}
	}
	return nil
}

// officeDoc is one opened package.
type officeDoc struct {
	b          *budget.Budget
	env        Env
	archiveLen int64
	files      map[string]*zip.File
	names      []string // in natural order: slide2 before slide10
	done       map[string]bool
	// deferred is the first part that could not be read (an OLE object, a
	// malformed data part): the document is unscannable, but the rest of
	// it is still read so that its findings are reported too.
	deferred error
}

// note records err as the document's deferred verdict, or returns it when
// the message's budget is spent and reading on would be wasted.
func (d *officeDoc) note(err error) error {
	if err == nil {
		return nil
	}
	switch budget.ReasonOf(err) {
	case budget.ReasonTimeout, budget.ReasonTooLarge, budget.ReasonTooManyParts:
		return err
	}
	if d.deferred == nil {
		d.deferred = err
	}
	return nil
}

// read returns one entry's bytes within the budget and ratio, once.
func (d *officeDoc) read(name string) ([]byte, bool, error) {
	zf, ok := d.files[name]
	if !ok || d.done[name] {
		return nil, false, nil
	}
	if d.done == nil {
		d.done = map[string]bool{}
	}
	d.done[name] = true
	if err := d.b.Check(); err != nil {
		return nil, false, err
	}
	data, err := archive.ReadFile(d.b, zf, d.archiveLen)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", partLabel(name), err)
	}
	return data, true, nil
}

func (d *officeDoc) matching(prefix string) []string {
	var names []string
	for _, n := range d.names {
		if strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ".xml") && !strings.Contains(n, "/_rels/") {
			names = append(names, n)
		}
	}
	return names
}

// parts extracts the named main parts first, then every other XML part
// under dir, so text in a part we did not list (a producer's own naming, a
// glossary, a diagram) is still read.
func (d *officeDoc) parts(out *strings.Builder, rules xmlRules, first []string, dir string) error {
	names := append([]string(nil), first...)
	for _, n := range d.names {
		if dir == "" {
			// OpenDocument: content.xml and styles.xml of embedded objects.
			base := path.Base(n)
			if (base == "content.xml" || base == "styles.xml") && n != base {
				names = append(names, n)
			}
			continue
		}
		if strings.HasPrefix(n, dir) && strings.HasSuffix(n, ".xml") && !strings.Contains(n, "_rels/") {
			names = append(names, n)
		}
	}
	for _, n := range names {
		data, ok, err := d.read(n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := xmlText(d.b, out, data, rules); err != nil {
			return fmt.Errorf("%s: %w", partLabel(n), err)
		}
		out.WriteByte('\n')
	}
	return nil
}

// properties reads the document's title, subject, keywords, comments and
// custom properties, which members fill in too.
func (d *officeDoc) properties(out *strings.Builder, f Kind) error {
	names := []string{"docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"}
	if f == ODF {
		names = []string{"meta.xml"}
	}
	for _, n := range names {
		data, ok, err := d.read(n)
		if err != nil {
			return err
		}
		if ok {
			if err := xmlText(d.b, out, data, propsRules); err != nil {
				return fmt.Errorf("%s: %w", partLabel(n), err)
			}
			out.WriteByte('\n')
		}
	}
	return nil
}

// naturalLess orders names with embedded numbers by value: slide2.xml
// before slide10.xml, so text comes out in the order it was written.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		if isDecDigit(a[0]) && isDecDigit(b[0]) {
			i, j := decDigitRun(a), decDigitRun(b)
			na, nb := strings.TrimLeft(a[:i], "0"), strings.TrimLeft(b[:j], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[i:], b[j:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDecDigit(c byte) bool { return c >= '0' && c <= '9' }

func decDigitRun(s string) int {
	i := 0
	for i < len(s) && isDecDigit(s[i]) {
		i++
	}
	return i
}
