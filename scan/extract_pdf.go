package scan

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Why not a PDF library: github.com/ledongthuc/pdf (rsc.io/pdf's fork) was
// read first. On hostile input it loops as many times as a CMap says
// (readCmap), recurses without bound through object streams whose
// cross-references point at each other (a fatal stack overflow, which no
// recover catches), inflates streams with no limit and refuses PDF 2.0
// headers; pdfcpu is large and has no budget hooks either. The reader in
// extract_pdf*.go is small, bounded everywhere, and repairs what it can
// the way viewers do.

// rethrowExtractPanics lets the fuzz tests see the panics pdfText would
// otherwise turn into parse errors.
var rethrowExtractPanics = false

// Bounds on the page tree and form nesting of one PDF.
const (
	maxPDFFormDepth = 12
	maxPDFFormRuns  = 10_000
	maxPDFTreeDepth = 64
	maxPDFFields    = 10_000
)

// pdfText returns the text layer of a PDF: page content (with the fonts'
// Unicode maps), form XObjects, annotations and form field values, document
// properties, attached text files, and content streams no page references.
// An encrypted PDF is read when the empty user password opens it (it opens
// in every viewer without a prompt), else ReasonEncrypted. A PDF with pages
// that are only images, or text in fonts we cannot map to Unicode, is
// ReasonNoText. When an error is returned, the text read so far is returned
// too: the part is unscannable, but a number in it is still a finding.
func pdfText(b *budget, data []byte) (text string, err error) {
	w := &pdfWalker{}
	defer func() {
		if r := recover(); r != nil {
			if rethrowExtractPanics {
				panic(r)
			}
			// A bug of ours must cost a false alarm, never a leak or a
			// crash; the panic value may quote content, so it is dropped.
			text, err = w.out.String(), unscannable(ReasonParseError, "pdf: internal error")
		}
	}()
	if !bytes.Contains(data[:min(len(data), 1024)], magicPDF) {
		return "", unscannable(ReasonParseError, "pdf: no header")
	}
	d := &pdfDoc{b: b, data: data}
	if err := d.scan(); err != nil {
		return "", err
	}
	if d.trailer["Encrypt"] != nil {
		if err := d.setupCrypt(); err != nil {
			return "", err
		}
	}
	if err := d.loadObjectStreams(); err != nil {
		return "", err
	}
	w.doc = d
	w.fonts = map[pdfRef]*pdfFont{}
	w.seen = map[*pdfStream]bool{}
	steps := []func() error{w.pages, w.fields, w.info, w.attachments, w.orphans}
	for _, step := range steps {
		if err := step(); err != nil {
			return w.out.String(), err
		}
	}
	text = w.out.String()
	if err := b.take(int64(len(text))); err != nil {
		return text, err
	}
	return text, w.verdict(text)
}

// verdict decides whether what was read can vouch for the whole document.
func (w *pdfWalker) verdict(text string) error {
	d := w.doc
	switch {
	case !d.sawEOF || d.cutOff:
		return unscannable(ReasonParseError, "pdf: truncated")
	case w.err != nil:
		return w.err
	case !hasLetterOrDigit(text):
		if w.sawImage {
			return unscannable(ReasonNoText, "pdf: only images")
		}
		if w.glyphs > 0 {
			return unscannable(ReasonNoText, "pdf: text in fonts without a Unicode map")
		}
		return unscannable(ReasonNoText, "pdf: no text")
	case w.unmapped > 0 && w.unmapped*5 > w.glyphs:
		return unscannable(ReasonNoText, "pdf: text in fonts without a Unicode map")
	case w.imageOnlyPages > 0:
		return unscannable(ReasonNoText, fmt.Sprintf("pdf: %d pages are only images", w.imageOnlyPages))
	}
	return nil
}

func hasLetterOrDigit(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

type pdfWalker struct {
	doc   *pdfDoc
	out   strings.Builder
	fonts map[pdfRef]*pdfFont
	seen  map[*pdfStream]bool // content streams already interpreted
	err   error               // the first part we could not read

	glyphs, unmapped int
	sawImage         bool
	pageImage        bool
	pageImages       []*pdfStream // JPEG pictures drawn on this page, for OCR
	imageOnlyPages   int
	formRuns         int

	// Text position, enough to tell a new line from the same line.
	curY, lineY, lastY float64
	haveLast, moved    bool
	newline            bool
	suppress           int // inside marked content with /ActualText
}

// fail remembers the first unreadable part; budget errors stop the walk.
func (w *pdfWalker) fail(err error) error {
	switch reasonOf(err) {
	case ReasonTooLarge, ReasonTimeout, ReasonTooManyParts, ReasonArchiveBomb:
		return err
	}
	if w.err == nil {
		w.err = err
	}
	return nil
}

// pages walks the page tree (7.7.3) in order, carrying inherited resources.
func (w *pdfWalker) pages() error {
	d := w.doc
	root := d.dict(d.trailer["Root"])
	if root == nil {
		root = d.findCatalog()
	}
	if root == nil {
		return w.fail(unscannable(ReasonParseError, "pdf: no catalog"))
	}
	type node struct {
		obj   pdfObj
		res   pdfObj
		depth int
	}
	stack := []node{{root["Pages"], nil, 0}}
	visited := map[int]bool{}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if r, ok := n.obj.(pdfRef); ok {
			if visited[r.num] {
				continue
			}
			visited[r.num] = true
		}
		nd := d.dict(n.obj)
		if nd == nil || n.depth > maxPDFTreeDepth {
			continue
		}
		if err := d.b.check(); err != nil {
			return err
		}
		res := n.res
		if r, ok := nd["Resources"]; ok {
			res = r
		}
		if kids := d.array(nd["Kids"]); kids != nil || d.name(nd["Type"]) == "Pages" {
			for i := len(kids) - 1; i >= 0; i-- {
				stack = append(stack, node{kids[i], res, n.depth + 1})
			}
			continue
		}
		if err := w.page(nd, d.dict(res)); err != nil {
			return err
		}
	}
	return nil
}

// findCatalog finds the document catalog when no trailer names it.
func (d *pdfDoc) findCatalog() pdfDict {
	best, at := pdfDict(nil), -1
	for num, o := range d.objs {
		if dict, ok := o.(pdfDict); ok && d.name(dict["Type"]) == "Catalog" && d.order[num] > at {
			best, at = dict, d.order[num]
		}
	}
	return best
}

func (w *pdfWalker) page(nd pdfDict, res pdfDict) error {
	d := w.doc
	start := w.out.Len()
	w.pageImage, w.pageImages = false, w.pageImages[:0]
	var streams []*pdfStream
	switch c := d.resolve(nd["Contents"]).(type) {
	case *pdfStream:
		streams = append(streams, c)
	case pdfArray:
		for _, x := range c {
			if s := d.stream(x); s != nil {
				streams = append(streams, s)
			}
		}
	}
	var content []byte
	inPage := map[*pdfStream]bool{}
	for _, s := range streams {
		if inPage[s] {
			continue // the same stream twice in one array: once is enough
		}
		inPage[s] = true
		w.seen[s] = true
		data, err := d.decode(s)
		if err != nil {
			if err := w.fail(err); err != nil {
				return err
			}
			continue
		}
		content = append(append(content, data...), '\n')
	}
	if err := w.run(content, res, 0); err != nil {
		return err
	}
	if err := w.annotations(nd, res); err != nil {
		return err
	}
	if w.pageImage && !hasLetterOrDigit(w.out.String()[start:]) {
		read, err := w.ocrPage()
		if err != nil {
			return err
		}
		if !read {
			w.imageOnlyPages++
		}
	}
	w.line()
	return nil
}

// annotations reads notes (/Contents) and the appearance of form fields
// and stamps, which show what was typed into them.
func (w *pdfWalker) annotations(nd pdfDict, res pdfDict) error {
	d := w.doc
	for _, a := range d.array(nd["Annots"]) {
		ad := d.dict(a)
		if ad == nil {
			continue
		}
		if s, ok := d.resolve(ad["Contents"]).(pdfString); ok {
			w.line()
			w.out.WriteString(textString(s))
			w.line()
		}
		ap := d.dict(ad["AP"])
		switch n := d.resolve(ap["N"]).(type) {
		case *pdfStream:
			if err := w.form(n, res, 1); err != nil {
				return err
			}
		case pdfDict:
			i := 0
			for _, v := range n {
				if s := d.stream(v); s != nil && i < 8 {
					i++
					if err := w.form(s, res, 1); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// form interprets a form XObject (8.10) with its own resources.
func (w *pdfWalker) form(s *pdfStream, parent pdfDict, depth int) error {
	d := w.doc
	if depth > maxPDFFormDepth || w.formRuns >= maxPDFFormRuns {
		return nil
	}
	w.formRuns++
	w.seen[s] = true
	data, err := d.decode(s)
	if err != nil {
		return w.fail(err)
	}
	res := parent
	if r := d.dict(s.dict["Resources"]); r != nil {
		res = r
	}
	saved := [3]float64{w.curY, w.lineY, w.lastY}
	err = w.run(data, res, depth)
	w.curY, w.lineY, w.lastY = saved[0], saved[1], saved[2]
	return err
}

// line ends the current line of output, once.
func (w *pdfWalker) line() {
	if n := w.out.Len(); n > 0 && w.out.String()[n-1] != '\n' {
		w.out.WriteByte('\n')
	}
	w.haveLast = false
}

// contentCheckEvery is how many content tokens pass between budget checks.
const contentCheckEvery = 8192

// maxOperands bounds the operand stack; no operator takes more than six,
// and a stream of a million numbers must not become a million values.
const maxOperands = 64

// run interprets a content stream for its text (9.4).
func (w *pdfWalker) run(data []byte, res pdfDict, depth int) error {
	d := w.doc
	lx := pdfLexer{data: data, noRefs: true}
	var ops []pdfObj
	var font *pdfFont
	for n := 0; ; n++ {
		if n%contentCheckEvery == 0 {
			if err := d.b.check(); err != nil {
				return err
			}
		}
		t := lx.next()
		switch t.kind {
		case tokEOF:
			return nil
		case tokKeyword:
		default:
			if len(ops) >= maxOperands {
				ops = ops[:0]
			}
			ops = append(ops, lx.objectFrom(t, 0))
			continue
		}
		switch op := string(t.str); op {
		case "BT":
			w.curY, w.lineY = 0, 0
		case "Td", "TD":
			if len(ops) >= 2 {
				w.lineY += num(ops[len(ops)-1])
				w.curY = w.lineY
				w.moved = true
			}
		case "Tm":
			if len(ops) >= 6 {
				w.curY = num(ops[5])
				w.lineY = w.curY
				w.moved = true
			}
		case "T*":
			w.newline = true
		case "Tf":
			if len(ops) >= 2 {
				if name, ok := ops[len(ops)-2].(pdfName); ok {
					font = w.font(res, name)
				}
			}
		case "Tj", "'", "\"":
			if op != "Tj" {
				w.newline = true
			}
			if len(ops) > 0 {
				if s, ok := ops[len(ops)-1].(pdfString); ok {
					w.show(font, s)
				}
			}
		case "TJ":
			if len(ops) > 0 {
				arr, _ := ops[len(ops)-1].(pdfArray)
				for _, x := range arr {
					switch v := x.(type) {
					case pdfString:
						w.show(font, v)
					case pdfInt, float64:
						if num(v) < -200 { // a gap the width of a space
							w.moved = true
						}
					}
				}
			}
		case "Do":
			if len(ops) > 0 {
				if name, ok := ops[len(ops)-1].(pdfName); ok {
					if err := w.xobject(res, name, depth); err != nil {
						return err
					}
				}
			}
		case "BI":
			lx.skipInlineImage()
			w.sawImage, w.pageImage = true, true
		case "BDC", "BMC":
			w.markedContent(op, ops, res)
		case "EMC":
			if w.suppress > 0 {
				w.suppress--
			}
		}
		ops = ops[:0]
	}
}

// markedContent honours /ActualText (14.9.4): the text a span stands for
// replaces the glyphs drawn inside it.
func (w *pdfWalker) markedContent(op string, ops []pdfObj, res pdfDict) {
	if w.suppress > 0 {
		w.suppress++ // nested inside a replaced span
		return
	}
	if op != "BDC" || len(ops) < 2 {
		return
	}
	var props pdfDict
	switch p := ops[len(ops)-1].(type) {
	case pdfDict:
		props = p
	case pdfName:
		props = w.doc.dict(w.doc.dict(res["Properties"])[p])
	}
	if s, ok := w.doc.resolve(props["ActualText"]).(pdfString); ok {
		w.position()
		w.out.WriteString(textString(s))
		w.suppress = 1
	}
}

// xobject draws a named XObject: a form is interpreted, an image noted.
func (w *pdfWalker) xobject(res pdfDict, name pdfName, depth int) error {
	d := w.doc
	s := d.stream(d.dict(res["XObject"])[name])
	if s == nil {
		return nil
	}
	switch d.name(s.dict["Subtype"]) {
	case "Form":
		return w.form(s, res, depth+1)
	case "Image":
		w.sawImage, w.pageImage = true, true
		if d.b.lim.OCR && len(w.pageImages) < maxPDFOCRImages {
			if f, _ := d.filters(s.dict); len(f) == 1 && (f[0] == "DCTDecode" || f[0] == "DCT") {
				w.pageImages = append(w.pageImages, s)
			}
		}
	}
	return nil
}

// maxPDFOCRImages bounds the pictures read by OCR on one page.
const maxPDFOCRImages = 4

// ocrPage reads the JPEG pictures of a page that has no text layer (a
// scan) with tesseract, when OCR is on: a photographed card is found.
func (w *pdfWalker) ocrPage() (bool, error) {
	d := w.doc
	found := false
	for _, s := range w.pageImages {
		data := s.src[s.start:s.end]
		if d.crypt != nil {
			var err error
			if data, err = d.crypt.decryptStream(s.ref, data); err != nil {
				continue
			}
		}
		text, err := ocrText(d.b, data)
		switch reasonOf(err) {
		case ReasonTimeout, ReasonTooLarge:
			return found, err
		}
		if err == nil && hasLetterOrDigit(text) {
			w.line()
			w.out.WriteString(text)
			found = true
		}
	}
	return found, nil
}

// show writes the text of one shown string.
func (w *pdfWalker) show(font *pdfFont, s pdfString) {
	if w.suppress > 0 {
		return
	}
	if font == nil {
		font = pdfDefaultFont
	}
	w.position()
	g, u := font.decode(s, &w.out)
	w.glyphs += g
	w.unmapped += u
}

// position separates this piece of text from the last: a newline when the
// baseline moved, a space when the pen jumped along the line, nothing when
// the text runs on (so "4111" and "1111" shown back to back stay joined).
func (w *pdfWalker) position() {
	if w.haveLast {
		dy := w.curY - w.lastY
		switch {
		case w.newline || dy > 0.5 || dy < -0.5:
			w.out.WriteByte('\n')
		case w.moved:
			w.out.WriteByte(' ')
		}
	}
	w.lastY, w.haveLast, w.moved, w.newline = w.curY, true, false, false
}

// pdfDefaultFont reads text shown before any Tf, or in a stream read
// without its resources.
var pdfDefaultFont = &pdfFont{simple: latin1Table()}

func num(o pdfObj) float64 {
	switch v := o.(type) {
	case pdfInt:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// skipInlineImage moves past "ID <binary> EI" of an inline image (8.9.7).
func (lx *pdfLexer) skipInlineImage() {
	for i := 0; i < 256; i++ {
		t := lx.next()
		if t.kind == tokEOF {
			return
		}
		if t.kind == tokKeyword && string(t.str) == "ID" {
			break
		}
	}
	lx.pos++ // the single white-space byte after ID
	for lx.pos < len(lx.data) {
		i := bytes.Index(lx.data[lx.pos:], []byte("EI"))
		if i < 0 {
			lx.pos = len(lx.data)
			return
		}
		p := lx.pos + i
		lx.pos = p + 2
		if p > 0 && isPDFSpace(lx.data[p-1]) && (p+2 == len(lx.data) || isPDFSpace(lx.data[p+2]) || isPDFDelim(lx.data[p+2])) {
			return
		}
	}
}

// fields writes interactive form field values (12.7.3) with their names,
// so "SSN" next to nine digits reads as it did on screen.
func (w *pdfWalker) fields() error {
	d := w.doc
	root := d.dict(d.trailer["Root"])
	if root == nil {
		root = d.findCatalog()
	}
	form := d.dict(root["AcroForm"])
	stack := append(pdfArray(nil), d.array(form["Fields"])...)
	visited := map[int]bool{}
	for n := 0; len(stack) > 0 && n < maxPDFFields; n++ {
		o := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if r, ok := o.(pdfRef); ok {
			if visited[r.num] {
				continue
			}
			visited[r.num] = true
		}
		fd := d.dict(o)
		if fd == nil {
			continue
		}
		if v := fieldValue(d, fd["V"]); v != "" {
			w.line()
			if t, ok := d.resolve(fd["T"]).(pdfString); ok {
				w.out.WriteString(textString(t))
				w.out.WriteString(": ")
			}
			w.out.WriteString(v)
			w.line()
		}
		kids := d.array(fd["Kids"])
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
	return nil
}

func fieldValue(d *pdfDoc, o pdfObj) string {
	switch v := d.resolve(o).(type) {
	case pdfString:
		return textString(v)
	case pdfName:
		if v == "Off" {
			return ""
		}
		return string(v)
	case pdfArray:
		var parts []string
		for _, x := range v {
			if s, ok := d.resolve(x).(pdfString); ok {
				parts = append(parts, textString(s))
			}
		}
		return strings.Join(parts, " ")
	case *pdfStream: // rich text value: its bytes are text
		if data, err := d.decode(v); err == nil && utf8.Valid(data) {
			return string(data)
		}
	}
	return ""
}

// info writes the document information dictionary (14.3.3).
func (w *pdfWalker) info() error {
	d := w.doc
	info := d.dict(d.trailer["Info"])
	for _, k := range []pdfName{"Title", "Subject", "Keywords", "Author"} {
		if s, ok := d.resolve(info[k]).(pdfString); ok && len(s) > 0 {
			w.line()
			w.out.WriteString(textString(s))
			w.line()
		}
	}
	return nil
}

// attachments reads files embedded in the PDF (7.11.4): text is scanned
// with the rest; anything else makes the PDF unscannable, since the walk
// cannot see inside it from here.
func (w *pdfWalker) attachments() error {
	d := w.doc
	for _, s := range d.streams {
		if d.name(s.dict["Type"]) != "EmbeddedFile" {
			continue
		}
		data, err := d.decode(s)
		if err != nil {
			if err := w.fail(err); err != nil {
				return err
			}
			continue
		}
		if f := classify("", "", data); f != formatText {
			if err := w.fail(unscannable(ReasonUnsupported, "pdf: carries an attached "+f.String()+" file")); err != nil {
				return err
			}
			continue
		}
		w.line()
		w.out.WriteString(bytesToText(data))
		w.line()
	}
	return nil
}

// orphans interprets content streams no page drew: left behind by an
// incremental update, or cut off from a broken page tree. A viewer may not
// show them, but a repair tool will, and the bytes are in the mail.
func (w *pdfWalker) orphans() error {
	d := w.doc
	for _, s := range d.streams {
		if w.seen[s] || len(s.dict) == 0 && s.end-s.start == 0 {
			continue
		}
		if _, typed := s.dict["Type"]; typed {
			continue
		}
		if _, sub := s.dict["Subtype"]; sub {
			continue
		}
		if _, font := s.dict["Length1"]; font {
			continue
		}
		if _, font := s.dict["Length2"]; font {
			continue
		}
		data, err := d.decode(s)
		if err != nil {
			if reasonOf(err) == ReasonTooLarge || reasonOf(err) == ReasonTimeout {
				return err
			}
			continue
		}
		if bytes.Contains(data, []byte("begincmap")) || !bytes.Contains(data, []byte("BT")) {
			continue
		}
		w.seen[s] = true
		glyphs, unmapped := w.glyphs, w.unmapped
		w.line()
		if err := w.run(data, nil, maxPDFFormDepth); err != nil {
			return err
		}
		w.line()
		// Orphans are read without their fonts; their glyphs do not count
		// against the fonts of the pages.
		w.glyphs, w.unmapped = glyphs, unmapped
	}
	return nil
}

// bytesToText reads UTF-8 as is and anything else as Latin-1.
func bytesToText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
