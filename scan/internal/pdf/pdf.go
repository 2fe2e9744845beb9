// Package pdf reads the text layer of PDF attachments for the scanner's
// walk: page content laid out by glyph position with the fonts' Unicode
// maps and widths (pdf.go, layout.go, font.go), form XObjects, annotations
// and form field values (form.go), document properties, attached text
// files and content streams no page draws. A file encrypted for the empty
// user password is read as every viewer opens it (crypt.go). The images
// a page draws go to the walk's image policy through Env, their samples
// decoded only when it reads them (image.go, color.go).
//
// Budgets (internal/budget): a document holds one heavy-extraction slot of
// Limits.Shared, and the memory its parsed objects, content windows and
// decoded images hold is charged to the shared account while held
// (content.go, stream.go); streams are interpreted as they inflate, each
// within the decoded-bytes budget and a ratio to its stored size; the
// text is bounded by Limits.MaxDocumentText, image samples for OCR by
// Limits.MaxOCRPixels; the page tree, form nesting, fields, graphics state
// and the lines kept for numbers the layout missed have fixed bounds
// (below). A panic in the reader is a parse_error, never a crash.
package pdf

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// Why not a PDF library: github.com/ledongthuc/pdf (rsc.io/pdf's fork) was
// read first. On hostile input it loops as many times as a CMap says
// (readCmap), recurses without bound through object streams whose
// cross-references point at each other (a fatal stack overflow, which no
// recover catches), inflates streams with no limit and refuses PDF 2.0
// headers; pdfcpu is large and has no budget hooks either. The reader in
// this package is small, bounded everywhere, and repairs what it can the
// way viewers do.

// rethrowExtractPanics lets the fuzz tests see the panics Text would
// otherwise turn into parse errors.
var rethrowExtractPanics = false

// magicPDF starts a PDF's header, within its first KiB.
var magicPDF = []byte("%PDF-")

// Bounds on the page tree and form nesting of one PDF.
const (
	maxPDFFormDepth = 12
	maxPDFFormRuns  = 10_000
	maxPDFTreeDepth = 64
	maxPDFFields    = 10_000
	maxPDFGStates   = 64            // q without Q
	maxPDFExtra     = 4 << 20       // lines kept for numbers the layout missed
	pdfFormCache    = pdfWindow - 1 // forms smaller are kept, not inflated at each use
)

// pdfParseCost is the memory a PDF's parsed objects take per byte of the
// file, charged to the shared account before it is read: maps and slices
// of small objects cost several times their text.
const pdfParseCost = 4

// Env is what the reader asks of the scanner that called it.
type Env interface {
	// Detect returns the numbers the scanner's detector finds in text:
	// the reader makes sure its layout of a page loses none that the
	// content stream's order shows (layout.go).
	Detect(text []byte) []Match
	// KeywordWindow is how far from a number the detector looks for the
	// keyword that makes it an SSN: a line kept for such a number takes
	// that much text around it.
	KeywordWindow() int
	// Format names what a file attached to the PDF is, as the walk reads
	// it: "text" for text, which is read as the document's text.
	Format(data []byte) string
	// WantsImage reports whether the image policy reads an image of w x h
	// pixels (sized false: its size is unknown), so that its samples are
	// worth keeping.
	WantsImage(w, h int, sized bool) bool
	// Image puts an image the document draws under the image policy; name
	// locates it in the document ("page2-image1"); load makes the file
	// tesseract reads, and is called only when the policy reads it.
	Image(name string, w, h int, sized bool, load func() ([]byte, error))
}

// Match is a number the detector found: its kind ("ssn", "pan"), its
// last four digits and where it is in the text.
type Match struct {
	Kind       string
	Last4      string
	Start, End int // byte offsets of its first digit and just past its last
}

// Text returns the text layer of a PDF: page content laid out by glyph
// position (with the fonts' Unicode maps and widths), form XObjects,
// annotations and form field values, document properties, attached text
// files, and content streams no page references. An encrypted PDF is read
// when the empty user password opens it (it opens in every viewer without
// a prompt), else budget.ReasonEncrypted. The images it draws are under the
// image policy (image.go hands them to env). A PDF with no text and no image,
// or text in fonts we cannot map to Unicode, is budget.ReasonNoText. When
// an error is returned, the text read so far is returned too: the part is
// unscannable, but a number in it is still a finding.
//
// Content streams are interpreted as they inflate, the text is bounded by
// Limits.MaxDocumentText, and the memory the reading holds is charged to
// Limits.Shared (one heavy extraction slot for the whole document).
func Text(b *budget.Budget, data []byte, env Env) (text string, err error) {
	w := &pdfWalker{}
	defer func() {
		if r := recover(); r != nil {
			if rethrowExtractPanics {
				panic(r)
			}
			// A bug of ours must cost a false alarm, never a leak or a
			// crash; the panic value may quote content, so it is dropped.
			text, err = w.text(), budget.Unscannable(budget.ReasonParseError, "pdf: internal error")
		}
	}()
	if !bytes.Contains(data[:min(len(data), 1024)], magicPDF) {
		return "", budget.Unscannable(budget.ReasonParseError, "pdf: no header")
	}
	done, err := b.Heavy()
	if err != nil {
		return "", err
	}
	defer done()
	if err := b.Hold(pdfParseCost*int64(len(data)) + blockMemory); err != nil {
		return "", err
	}
	d := &pdfDoc{b: b, env: env, data: data}
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
	w.images = map[*pdfStream]bool{}
	w.shown = map[int]bool{}
	steps := []func() error{w.pages, w.fields, w.info, w.attachments, w.orphans}
	for _, step := range steps {
		if err := step(); err != nil {
			return w.text(), err
		}
		if w.halt != nil {
			return w.text(), w.halt
		}
	}
	w.mergeExtra()
	if w.halt != nil {
		return w.text(), w.halt
	}
	text = w.text()
	if err := b.Take(int64(len(text))); err != nil {
		return text, err
	}
	return text, w.verdict(text)
}

// verdict decides whether what was read can vouch for the whole document.
func (w *pdfWalker) verdict(text string) error {
	d := w.doc
	switch {
	case !d.sawEOF || d.cutOff:
		return budget.Unscannable(budget.ReasonParseError, "pdf: truncated")
	case w.err != nil:
		return w.err
	case !hasLetterOrDigit(text):
		if w.glyphs > 0 && w.unmapped > 0 {
			return budget.Unscannable(budget.ReasonNoText, "pdf: text in fonts without a Unicode map")
		}
		if w.sawImage {
			return nil // a scan: its images were the policy's to read or withhold
		}
		if w.glyphs > 0 {
			return budget.Unscannable(budget.ReasonNoText, "pdf: text in fonts without a Unicode map")
		}
		return budget.Unscannable(budget.ReasonNoText, "pdf: no text")
	case w.unmapped > 0 && w.unmapped*5 > w.glyphs:
		return budget.Unscannable(budget.ReasonNoText, "pdf: text in fonts without a Unicode map")
	case w.scattered > 0:
		// Digits a person reads as a number, drawn too far apart or too
		// irregularly for the layout to join: not clean.
		return budget.Unscannable(budget.ReasonNoText, "pdf: digits drawn one by one that could not be joined")
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

// pdfGState is the part of the graphics state (8.4) that places text.
type pdfGState struct {
	ctm                      pdfMatrix
	font                     *pdfFont
	size, tc, tw, th, tl, ts float64 // Tf size, Tc, Tw, Tz/100, TL, Ts
}

func defaultGState(ctm pdfMatrix) pdfGState {
	return pdfGState{ctm: ctm, th: 1}
}

type pdfWalker struct {
	doc   *pdfDoc
	out   []byte
	fonts map[pdfRef]*pdfFont
	seen  map[*pdfStream]bool // content streams already interpreted
	shown map[int]bool        // form fields whose widget drew text on a page
	err   error               // the first part we could not read
	halt  error               // a budget ran out: stop, and say so

	glyphs, unmapped int
	sawImage         bool
	images           map[*pdfStream]bool // image XObjects already under the policy
	pageNo           int                 // the page being read, from 1
	pageImages       int                 // images drawn on it so far
	formRuns         int
	scattered        int // lines of lone digits the layout could not join
	suppress         int // inside marked content with /ActualText

	// The text state of the stream being read.
	gs      pdfGState
	tm, tlm pdfMatrix

	// The page being laid out, and buffers reused from page to page.
	blk     pdfBlock
	placed  int // bytes of text placed so far, to tell whether a form drew any
	notes   []string
	lay     []byte
	raw     []byte
	order   []int32
	seps    []int
	scratch []byte

	extra      [][]byte // lines for numbers the layout did not show
	extraBytes int
}

// text is what was written so far. The buffer is never written again
// once this is taken, so it is not copied: it may be megabytes.
func (w *pdfWalker) text() string {
	if len(w.out) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(w.out), len(w.out))
}

// textLimit is the most text the document may yield: Limits.MaxDocumentText
// and what is left of the decoded-bytes budget.
func (w *pdfWalker) textLimit() int64 {
	b := w.doc.b
	limit := b.Remaining()
	if m := b.Limits().MaxDocumentText; m > 0 {
		limit = min(limit, m)
	}
	return limit
}

// textRoom is how much more text may be written.
func (w *pdfWalker) textRoom() int64 {
	return max(w.textLimit()-int64(len(w.out)), 0)
}

// emit writes text, within Limits.MaxDocumentText and the decoded-bytes
// budget, holding its memory in the shared account as the buffer grows.
func (w *pdfWalker) emit(p []byte) {
	if w.halt != nil || len(p) == 0 {
		return
	}
	b := w.doc.b
	if limit := w.textLimit(); int64(len(w.out)+len(p)) > limit {
		w.halt = budget.Unscannable(budget.ReasonTooLarge, fmt.Sprintf("pdf: more than %d bytes of text", limit))
		return
	}
	if len(w.out)+len(p) > cap(w.out) {
		size := max(2*cap(w.out), len(w.out)+len(p), 4096)
		if err := b.Hold(int64(size)); err != nil {
			w.halt = err
			return
		}
		nb := make([]byte, len(w.out), size)
		copy(nb, w.out)
		b.Unhold(int64(cap(w.out)))
		w.out = nb
	}
	w.out = append(w.out, p...)
}

func (w *pdfWalker) emitString(s string) {
	w.emit(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// line ends the current line of output, once.
func (w *pdfWalker) line() {
	if n := len(w.out); n > 0 && w.out[n-1] != '\n' {
		w.emit([]byte{'\n'})
	}
}

// addExtra keeps a line to add at the end when it shows a number nothing
// else in the document shows.
func (w *pdfWalker) addExtra(p []byte) {
	if len(p) == 0 || w.halt != nil {
		return
	}
	if w.extraBytes+len(p) > maxPDFExtra {
		w.halt = budget.Unscannable(budget.ReasonTooLarge, "pdf: too many numbers the layout could not place")
		return
	}
	w.extraBytes += len(p)
	w.extra = append(w.extra, append([]byte(nil), p...))
}

// mergeExtra writes the extra lines that hold a number (by kind and last
// four) the document's text does not already show, so a number is found
// once however many ways it was read.
func (w *pdfWalker) mergeExtra() {
	if len(w.extra) == 0 {
		return
	}
	have := w.doc.env.Detect(w.out)
	for _, x := range w.extra {
		missed := missedMatches(have, w.doc.env.Detect(x))
		if len(missed) == 0 {
			continue
		}
		have = append(have, missed...)
		w.line()
		w.emit(x)
		w.line()
	}
	w.extra = nil
}

// fail remembers the first unreadable part; budget errors stop the walk.
func (w *pdfWalker) fail(err error) error {
	switch budget.ReasonOf(err) {
	case budget.ReasonTooLarge, budget.ReasonTimeout, budget.ReasonTooManyParts, budget.ReasonArchiveBomb:
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
		return w.fail(budget.Unscannable(budget.ReasonParseError, "pdf: no catalog"))
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
		if err := d.b.Check(); err != nil {
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
		if w.halt != nil {
			return w.halt
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
	w.pageNo++
	w.pageImages = 0
	w.notes = w.notes[:0]
	var streams []*pdfStream
	switch c := d.resolve(nd["Contents"]).(type) {
	case *pdfStream:
		streams = append(streams, c)
	case pdfArray:
		inPage := map[*pdfStream]bool{}
		for _, x := range c {
			// the same stream twice in one array: once is enough
			if s := d.stream(x); s != nil && !inPage[s] {
				inPage[s] = true
				streams = append(streams, s)
			}
		}
	}
	for _, s := range streams {
		w.seen[s] = true
	}
	// The streams of a page are one content stream (7.8.2), read as they
	// inflate.
	ps := &pageStreams{w: w, streams: streams}
	defer ps.close()
	w.gs, w.tm, w.tlm = defaultGState(identityMatrix), identityMatrix, identityMatrix
	c := contentReader(d.b, ps)
	err := w.run(c, res, 0)
	c.release()
	if err != nil {
		return err
	}
	if err := w.annotations(nd, res); err != nil {
		return err
	}
	w.flushBlock()
	for _, n := range w.notes {
		w.line()
		w.emitString(n)
		w.line()
	}
	w.line()
	return nil
}

// pageStreams reads a page's content streams one after the other, a line
// break between them; one that cannot be read is noted and passed over.
type pageStreams struct {
	w       *pdfWalker
	streams []*pdfStream
	cur     *pdfStreamReader
	sep     bool
}

func (p *pageStreams) Read(b []byte) (int, error) {
	for len(b) > 0 {
		if p.cur == nil {
			if p.sep {
				p.sep = false
				b[0] = '\n'
				return 1, nil
			}
			if len(p.streams) == 0 {
				return 0, io.EOF
			}
			s := p.streams[0]
			p.streams = p.streams[1:]
			sr, err := p.w.doc.open(s)
			if err != nil {
				if err := p.w.fail(err); err != nil {
					return 0, err
				}
				continue
			}
			p.cur = sr
		}
		n, err := p.cur.Read(b)
		if err != nil {
			p.close()
			p.sep = true
			if err != io.EOF {
				if err := p.w.fail(err); err != nil {
					return n, err
				}
			}
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, nil
}

func (p *pageStreams) close() {
	if p.cur != nil {
		p.cur.Close()
		p.cur = nil
	}
}

// form interprets a form XObject (8.10) with its own resources, drawn
// through m onto the page; the graphics state is the caller's and comes
// back unchanged.
func (w *pdfWalker) form(s *pdfStream, parent pdfDict, depth int, m pdfMatrix) error {
	d := w.doc
	if depth > maxPDFFormDepth || w.formRuns >= maxPDFFormRuns {
		return nil
	}
	w.formRuns++
	w.seen[s] = true
	c, closeFn, err := w.formContent(s)
	if err != nil {
		return w.fail(err)
	}
	defer closeFn()
	res := parent
	if r := d.dict(s.dict["Resources"]); r != nil {
		res = r
	}
	gs, tm, tlm := w.gs, w.tm, w.tlm
	w.gs.ctm = m
	w.tm, w.tlm = identityMatrix, identityMatrix
	err = w.run(c, res, depth)
	w.gs, w.tm, w.tlm = gs, tm, tlm
	return err
}

// formContent reads a form's stream: kept in memory when it is small (a
// form may be drawn on every page), else read as it inflates.
func (w *pdfWalker) formContent(s *pdfStream) (*pdfContent, func(), error) {
	d := w.doc
	if data, ok := d.decoded[s]; ok {
		return contentBytes(data), func() {}, nil
	}
	sr, err := d.open(s)
	if err != nil {
		return nil, nil, err
	}
	win := windows.Get().(*[]byte)
	n, err := io.ReadFull(sr, (*win)[:pdfFormCache])
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		sr.Close()
		if err := d.b.Hold(int64(n)); err != nil {
			windows.Put(win)
			return nil, nil, err
		}
		data := append([]byte(nil), (*win)[:n]...)
		windows.Put(win)
		d.decoded[s] = data
		return contentBytes(data), func() {}, nil
	case err != nil:
		sr.Close()
		windows.Put(win)
		return nil, nil, err
	}
	c := contentReader(d.b, io.MultiReader(bytes.NewReader((*win)[:n]), sr))
	return c, func() { c.release(); sr.Close(); windows.Put(win) }, nil
}

// formMatrix is a form's /Matrix (identity when absent or malformed).
func (d *pdfDoc) formMatrix(s *pdfStream) pdfMatrix {
	m := identityMatrix
	if a := d.array(s.dict["Matrix"]); len(a) == 6 {
		for i := range m {
			m[i] = finite(num(d.resolve(a[i])))
		}
	}
	return m
}

// contentCheckEvery is how many content tokens pass between budget checks.
const contentCheckEvery = 8192

// maxOperands bounds the operand stack; no operator takes more than six,
// and a stream of a million numbers must not become a million values.
const maxOperands = 64

// run interprets a content stream for its text (9.4), placing each shown
// string where it is drawn.
func (w *pdfWalker) run(c *pdfContent, res pdfDict, depth int) error {
	var ops []pdfObj
	var stack []pdfGState
	lost := 0 // q beyond maxPDFGStates, so their Q pop nothing
	var numBuf [6]float64
	nums := func(k int) ([]float64, bool) {
		if len(ops) < k {
			return nil, false
		}
		v := numBuf[:k]
		for i, o := range ops[len(ops)-k:] {
			v[i] = finite(num(o))
		}
		return v, true
	}
	for n := 0; ; n++ {
		if n%contentCheckEvery == 0 {
			if err := w.doc.b.Check(); err != nil {
				return err
			}
		}
		if w.halt != nil {
			return w.halt
		}
		t, obj, err := c.next()
		if err != nil {
			return w.fail(err)
		}
		switch t.kind {
		case tokEOF:
			return nil
		case tokKeyword:
		default:
			if len(ops) >= maxOperands {
				ops = ops[:0]
			}
			ops = append(ops, obj)
			continue
		}
		gs := &w.gs
		switch op := contentOp(t.str); op {
		case "q":
			if len(stack) < maxPDFGStates {
				stack = append(stack, *gs)
			} else {
				lost++
			}
		case "Q":
			if lost > 0 {
				lost--
			} else if len(stack) > 0 {
				*gs = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if v, ok := nums(6); ok {
				gs.ctm = pdfMatrix(v[:6]).mul(gs.ctm)
			}
		case "BT":
			w.tm, w.tlm = identityMatrix, identityMatrix
		case "Td", "TD":
			if v, ok := nums(2); ok {
				if op == "TD" {
					gs.tl = -v[1]
				}
				w.tlm = translate(v[0], v[1]).mul(w.tlm)
				w.tm = w.tlm
			}
		case "Tm":
			if v, ok := nums(6); ok {
				w.tlm = pdfMatrix(v[:6])
				w.tm = w.tlm
			}
		case "T*":
			w.nextLine()
		case "Tc", "Tw", "Tz", "TL", "Ts":
			if v, ok := nums(1); ok {
				switch op {
				case "Tc":
					gs.tc = v[0]
				case "Tw":
					gs.tw = v[0]
				case "Tz":
					gs.th = v[0] / 100
				case "TL":
					gs.tl = v[0]
				case "Ts":
					gs.ts = v[0]
				}
			}
		case "Tf":
			if len(ops) >= 2 {
				if name, ok := ops[len(ops)-2].(pdfName); ok {
					gs.font = w.font(res, name)
				}
				gs.size = finite(num(ops[len(ops)-1]))
			}
		case "Tj", "'", "\"":
			if op == "\"" && len(ops) >= 3 {
				gs.tw, gs.tc = finite(num(ops[len(ops)-3])), finite(num(ops[len(ops)-2]))
			}
			if op != "Tj" {
				w.nextLine()
			}
			if len(ops) > 0 {
				if s, ok := ops[len(ops)-1].(pdfString); ok {
					w.show(s)
				}
			}
		case "TJ":
			if len(ops) > 0 {
				arr, _ := ops[len(ops)-1].(pdfArray)
				for _, x := range arr {
					switch v := x.(type) {
					case pdfString:
						w.show(v)
					case pdfInt, float64:
						w.tm = translate(-finite(num(v))/1000*gs.size*gs.th, 0).mul(w.tm)
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
			if err := w.inlineImage(c, res); err != nil {
				return w.fail(err)
			}
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

// contentOp returns the operators run acts on as constants, so reading an
// operator allocates nothing; any other is "".
func contentOp(b []byte) string {
	switch string(b) {
	case "q":
		return "q"
	case "Q":
		return "Q"
	case "cm":
		return "cm"
	case "BT":
		return "BT"
	case "Td":
		return "Td"
	case "TD":
		return "TD"
	case "Tm":
		return "Tm"
	case "T*":
		return "T*"
	case "Tc":
		return "Tc"
	case "Tw":
		return "Tw"
	case "Tz":
		return "Tz"
	case "TL":
		return "TL"
	case "Ts":
		return "Ts"
	case "Tf":
		return "Tf"
	case "Tj":
		return "Tj"
	case "'":
		return "'"
	case "\"":
		return "\""
	case "TJ":
		return "TJ"
	case "Do":
		return "Do"
	case "BI":
		return "BI"
	case "BDC":
		return "BDC"
	case "BMC":
		return "BMC"
	case "EMC":
		return "EMC"
	}
	return ""
}

// nextLine is T*: down one leading, back to the line's start.
func (w *pdfWalker) nextLine() {
	w.tlm = translate(0, -w.gs.tl).mul(w.tlm)
	w.tm = w.tlm
}

// show draws one string at the text position and moves the pen past it
// (9.4.4): the glyph widths scaled by the font size, character and word
// spacing, and horizontal scaling.
func (w *pdfWalker) show(s pdfString) {
	gs := &w.gs
	font := gs.font
	if font == nil {
		font = pdfDefaultFont
	}
	var st pdfShown
	w.scratch, st = font.show(s, w.scratch[:0])
	if w.suppress == 0 {
		w.glyphs += st.glyphs
		w.unmapped += st.unmapped
	}
	tx := (st.width*gs.size + float64(st.glyphs)*gs.tc + float64(st.spaces)*gs.tw) * gs.th
	m := w.tm.mul(gs.ctm)
	w.tm = translate(finite(tx), 0).mul(w.tm)
	if w.suppress > 0 {
		return
	}
	end := w.tm.mul(gs.ctm)
	x0, y0 := m.apply(0, gs.ts)
	x1, y1 := end.apply(0, gs.ts)
	dir := gs.size * gs.th
	w.place(w.scratch, baselineRot(dir*m[0], dir*m[1]), x0, y0, x1, y1, gs.size*math.Hypot(m[2], m[3]))
	w.placed += len(w.scratch)
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
		t := textString(s)
		gs := &w.gs
		m := w.tm.mul(gs.ctm)
		size := gs.size * math.Hypot(m[2], m[3])
		x0, y0 := m.apply(0, gs.ts)
		dx, dy := m[0], m[1]
		if l := math.Hypot(dx, dy); l > 0 {
			dx, dy = dx/l, dy/l
		}
		adv := 0.5 * size * float64(utf8.RuneCountInString(t))
		w.place([]byte(t), baselineRot(m[0], m[1]), x0, y0, x0+adv*dx, y0+adv*dy, size)
		w.placed += len(t)
		w.blk.open = false
		w.suppress = 1
	}
}

// xobject draws a named XObject: a form is interpreted, an image put
// under the image policy.
func (w *pdfWalker) xobject(res pdfDict, name pdfName, depth int) error {
	d := w.doc
	s := d.stream(d.dict(res["XObject"])[name])
	if s == nil {
		return nil
	}
	switch d.name(s.dict["Subtype"]) {
	case "Form":
		return w.form(s, res, depth+1, d.formMatrix(s).mul(w.gs.ctm))
	case "Image":
		w.imageXObject(s, res)
	}
	return nil
}

// pdfDefaultFont reads text shown before any Tf, or in a stream read
// without its resources.
var pdfDefaultFont = &pdfFont{simple: latin1Table(), std: &stdHelvetica, dw: 0.556}

func num(o pdfObj) float64 {
	switch v := o.(type) {
	case pdfInt:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// info writes the document information dictionary (14.3.3).
func (w *pdfWalker) info() error {
	d := w.doc
	info := d.dict(d.trailer["Info"])
	for _, k := range []pdfName{"Title", "Subject", "Keywords", "Author"} {
		if s, ok := d.resolve(info[k]).(pdfString); ok && len(s) > 0 {
			w.line()
			w.emitString(textString(s))
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
		// Its text is the document's text: no more is inflated than the
		// text budget can take.
		data, err := d.decodeMax(s, w.textRoom()+1)
		if err != nil {
			if err := w.fail(err); err != nil {
				return err
			}
			continue
		}
		if f := d.env.Format(data); f != "text" {
			if err := w.fail(budget.Unscannable(budget.ReasonUnsupported, "pdf: carries an attached "+f+" file")); err != nil {
				return err
			}
			continue
		}
		w.line()
		w.emitString(bytesToText(data))
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
		w.seen[s] = true
		sr, err := d.open(s)
		if err != nil {
			if budget.ReasonOf(err) == budget.ReasonTooLarge || budget.ReasonOf(err) == budget.ReasonTimeout {
				return err
			}
			continue
		}
		glyphs, unmapped := w.glyphs, w.unmapped
		w.gs, w.tm, w.tlm = defaultGState(identityMatrix), identityMatrix, identityMatrix
		errBefore := w.err
		c := contentReader(d.b, sr)
		err = w.run(c, nil, maxPDFFormDepth)
		c.release()
		sr.Close()
		// An orphan that is not a content stream at all (a CMap, a
		// glyph program) is not a part of the document we failed to read.
		w.err = errBefore
		if err != nil {
			return err
		}
		w.flushBlock()
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
