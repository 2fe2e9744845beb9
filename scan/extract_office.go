package scan

import (
	"archive/zip"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/intake-mail/intake/scan/internal/archive"
)

// maxEmbeddedDepth bounds Office documents embedded in Office documents (a
// spreadsheet behind a chart in a letter): deep enough for real files.
const maxEmbeddedDepth = 3

// officeText returns the text of a DOCX, XLSX, PPTX or ODF document: every
// XML part a person can type into (body, headers and footers, notes,
// comments, text boxes, charts, properties), and the text of Office
// documents embedded in it. Runs inside a paragraph are joined with no
// separator so a number split across formatting runs is whole again. When a
// part cannot be read the text read so far is returned with the error: the
// document is unscannable, but what was read can still raise a finding.
func officeText(b *account, f format, data []byte) (string, error) {
	var out strings.Builder
	err := officeTextTo(b, f, data, &out, 0)
	return out.String(), err
}

func officeTextTo(b *account, f format, data []byte, out *strings.Builder, depth int) error {
	zr, err := archive.Open(data)
	if err != nil {
		return archive.OpenError(err)
	}
	if max := b.lim.MaxArchiveFiles; max > 0 && len(zr.File) > max {
		return unscannable(ReasonTooManyParts, fmt.Sprintf("document holds %d files, limit %d", len(zr.File), max))
	}
	doc := &officeDoc{b: b, archiveLen: int64(len(data)), files: map[string]*zip.File{}}
	for _, zf := range zr.File {
		if _, dup := doc.files[zf.Name]; !dup {
			doc.files[zf.Name] = zf
		}
		doc.names = append(doc.names, zf.Name)
	}
	sort.Slice(doc.names, func(i, j int) bool { return naturalLess(doc.names[i], doc.names[j]) })

	if f == formatODF {
		if err := doc.odfEncrypted(); err != nil {
			return err
		}
	}
	if err := doc.mainPartPresent(f); err != nil {
		return err
	}
	switch f {
	case formatDOCX:
		err = doc.parts(out, ooxmlRules, []string{"word/document.xml"}, "word/")
	case formatPPTX:
		err = doc.parts(out, ooxmlRules, doc.matching("ppt/slides/"), "ppt/")
	case formatXLSX:
		err = doc.xlsx(out)
	case formatODF:
		err = doc.parts(out, odfRules, []string{"content.xml", "styles.xml"}, "")
	default:
		return unscannable(ReasonUnsupported, "not an office format")
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
func (d *officeDoc) mainPartPresent(f format) error {
	switch f {
	case formatDOCX:
		if len(d.matching("word/")) == 0 {
			return unscannable(ReasonUnsupported, "docx without a document part")
		}
	case formatXLSX:
		for _, n := range d.names {
			lower := strings.ToLower(n)
			if lower == "xl/workbook.bin" || strings.HasPrefix(lower, "xl/worksheets/") && strings.HasSuffix(lower, ".bin") {
				return unscannable(ReasonUnsupported, "binary workbook (xlsb)")
			}
		}
	case formatODF:
		if _, ok := d.files["content.xml"]; !ok {
			return unscannable(ReasonUnsupported, "OpenDocument without content.xml")
		}
	}
	return nil
}

// officeDoc is one opened package.
type officeDoc struct {
	b          *account
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
	switch reasonOf(err) {
	case ReasonTimeout, ReasonTooLarge, ReasonTooManyParts:
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
	data, err := archive.ReadFile(d.b.Budget, zf, d.archiveLen)
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
func (d *officeDoc) properties(out *strings.Builder, f format) error {
	names := []string{"docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"}
	if f == formatODF {
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
