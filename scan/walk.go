package scan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message/textproto"

	"github.com/intake-mail/intake/scan/internal/archive"
	"github.com/intake-mail/intake/scan/internal/charset"
)

// Scanner scans whole messages within its Limits. It is safe for
// concurrent use.
type Scanner struct {
	lim      Limits
	keepText bool
}

// New returns a Scanner that keeps the masked text of every part. The
// image policy ImagesAuto is settled here, once: OCR when tesseract is
// found now, else withhold.
func New(lim Limits) *Scanner {
	lim.Images = resolveImages(lim)
	return &Scanner{lim: lim, keepText: true}
}

// WithoutText returns a Scanner that reports findings and unscannable parts
// but keeps no masked text or attachment content: what `intake scan` needs,
// at a fraction of the memory.
func (s *Scanner) WithoutText() *Scanner {
	c := *s
	c.keepText = false
	return &c
}

// headers a person sees, besides the subject. Trace and identity headers
// (Received, Message-ID, References...) are never scanned: they are full
// of long numbers that are not anybody's card.
var personHeaders = []string{"From", "To", "Cc", "Reply-To", "Sender", "Comments", "Keywords", "Organization", "Thread-Topic"}

// Scan reads one RFC 5322 message. Malformed input is never an error: what
// cannot be read is reported in Result.Unscannable. The error is only for a
// message that cannot be scanned at all (never, today), kept so callers
// treat a future failure as a fault of theirs to answer with 4xx.
func (s *Scanner) Scan(ctx context.Context, raw []byte) (res *Result, err error) {
	return s.ScanFile(ctx, "", raw)
}

// ScanFile reads one file given to `intake scan`. A message is read as
// Scan reads it; any other file is read by what its bytes are: text (and
// HTML) as the body, anything else (a PDF, an Office document, a zip or
// gzip, an image, unknown binary) as an attachment named name would be,
// located "attachment:NAME" ("attachment:unnamed" when name is "").
func (s *Scanner) ScanFile(ctx context.Context, name string, raw []byte) (res *Result, err error) {
	w := &walker{s: s, b: newAccount(ctx, s.lim), res: &Result{}, d: detectors.Get().(*detector), file: name}
	defer detectors.Put(w.d)
	defer func() {
		// A bug in a parser must cost a false alarm, never a leak or a
		// crash: the whole message becomes unscannable.
		if !recoverPanics {
			return
		}
		if p := recover(); p != nil {
			w.res.Unscannable = append(w.res.Unscannable, Unscannable{Where: "body", Reason: ReasonParseError})
			w.res.maskNames()
			res, err = w.res, nil
		}
	}()
	w.message(raw, "", 0)
	w.res.maskNames()
	w.res.dedupUnscannable()
	return w.res, nil
}

// recoverPanics is turned off by the fuzz tests, which want to see them.
var recoverPanics = true

type walker struct {
	s    *Scanner
	b    *account
	res  *Result
	d    *detector
	file string // the name of the file being scanned, when it is not a message
}

// message walks one message; where is "" for the top level, else the
// location of the attachment that holds it (forwarded mail).
func (w *walker) message(raw []byte, where string, depth int) {
	h, body, err := readHeader(raw)
	if err != nil || !looksLikeHeader(h) {
		if err != nil && looksLikeHeader(h) {
			// A message whose header breaks off: scan all of it as text.
			loc := orDefault(where, "body")
			w.unscannable(loc, ReasonParseError)
			w.textPart(raw, formatText, partMeta{ctype: "text/plain"}, loc, depth)
			return
		}
		w.notMessage(raw, where, depth)
		return
	}
	w.messageHeader(h, where)
	w.entity(h, body, where, depth)
}

// messageHeader scans the header fields of a message a person sees.
func (w *walker) messageHeader(h textproto.Header, where string) {
	subject := w.header(h.Get("Subject"), orDefault(where, "subject"))
	if where == "" {
		w.res.Subject = subject
	}
	for _, k := range personHeaders {
		for _, v := range h.Values(k) {
			w.header(v, orDefault(where, "header:"+strings.ToLower(k)))
		}
	}
}

// notMessage reads input that has no message header (a file given to
// `intake scan`, or a forwarded "message" that is not one) by what its
// bytes are. Text is the body; anything else goes through the extractors
// as an attachment would, so that a PNG, a zip or random bytes are never
// called clean for want of a header.
func (w *walker) notMessage(raw []byte, where string, depth int) {
	switch f := classify("", "", raw); f {
	case formatText, formatMessage:
		w.textPart(raw, formatText, partMeta{}, orDefault(where, "body"), depth)
	default:
		loc, name := where, ""
		if loc == "" {
			name = w.file
			if name == "" || name == "-" {
				name = "unnamed"
			}
			loc = "attachment:" + w.maskName(name, "")
			w.scanString(name, loc)
		}
		w.dispatch(f, partMeta{name: name}, raw, loc, depth)
	}
}

// header scans one header value a person sees and returns it decoded and
// masked. A word that cannot be decoded makes the header unscannable: the
// raw value is then scanned as well.
func (w *walker) header(v, loc string) string {
	if v == "" {
		return ""
	}
	h := decodeHeaderValue(v)
	masked, fs := w.find([]byte(h.text), loc)
	shown := map[findingKey]int{}
	sameOnce(shown, fs)
	for _, alt := range h.alts {
		w.findOnly([]byte(alt), loc, shown)
	}
	if h.problem != "" {
		w.unscannable(loc, h.problem)
		w.findOnly([]byte(v), loc, shown)
	}
	return masked
}

func orDefault(where, d string) string {
	if where != "" {
		return where
	}
	return d
}

// readHeader parses the header of raw and returns the body as a sub-slice,
// so a large single-part message is never copied.
func readHeader(raw []byte) (textproto.Header, []byte, error) {
	br := bytes.NewReader(raw)
	r := bufio.NewReaderSize(br, 4096)
	h, err := textproto.ReadHeader(r)
	consumed := len(raw) - br.Len() - r.Buffered()
	if consumed > len(raw) || consumed < 0 {
		consumed = len(raw)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return h, raw[consumed:], err
	}
	return h, raw[consumed:], nil
}

// looksLikeHeader is false when the "header" holds none of the fields every
// message has: then the input was text, not a message.
func looksLikeHeader(h textproto.Header) bool {
	for _, k := range []string{"From", "To", "Subject", "Date", "Message-Id", "Mime-Version", "Content-Type", "Received", "Return-Path", "Sender", "Cc"} {
		if h.Has(k) {
			return true
		}
	}
	return false
}

// partMeta is what a part's header says about its content.
type partMeta struct {
	ctype   string // media type, lower case, no parameters
	charset string
	name    string // decoded file name, "" for none
	flowed  bool   // text/plain; format=flowed (RFC 3676)
	delSp   bool   // ... with DelSp=yes
}

// entity walks one MIME entity (the message itself or a part of it).
// where is "" while we are still in the message's own bodies.
func (w *walker) entity(h textproto.Header, body []byte, where string, depth int) {
	if err := w.b.Check(); err != nil {
		w.unscannable(orDefault(where, "body"), reasonOf(err))
		return
	}
	if err := w.b.Part(); err != nil {
		w.unscannable(orDefault(where, "body"), reasonOf(err))
		return
	}
	if w.s.lim.MaxDepth > 0 && depth > w.s.lim.MaxDepth {
		w.unscannable(orDefault(where, "body"), ReasonTooDeep)
		return
	}
	if ctypes, ctes := distinctValues(h, "Content-Type", typeKey), distinctValues(h, "Content-Transfer-Encoding", cteKey); len(ctypes) > 1 || len(ctes) > 1 {
		w.ambiguous(h, body, where, depth, ctypes, ctes)
		return
	}
	ctype, params := mediaType(h.Get("Content-Type"))
	disp, dparams := mediaType(h.Get("Content-Disposition"))
	names := w.partNames(h, params, dparams)
	name := firstNonEmpty(names...)
	attached := disp == "attachment" || name != ""

	if strings.HasPrefix(ctype, "multipart/") {
		w.multipart(ctype, params["boundary"], body, where, depth)
		return
	}
	// The part's own location: bodies of the top-level message are
	// "body"; anything attached is "attachment:NAME".
	loc := where
	switch {
	case loc == "" && (attached || !(strings.HasPrefix(ctype, "text/") || ctype == "")):
		loc = "attachment:" + w.maskName(name, ctype)
	case loc == "":
		loc = "body"
	case name != "":
		// An attachment of a forwarded message: "attachment:fwd.eml/a.zip".
		loc = where + "/" + w.maskName(name, ctype)
	}
	for _, n := range names {
		if n != "" {
			w.scanString(n, loc) // a number in a file name is a finding there
		}
	}
	data, problem := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if problem != "" {
		w.unscannable(loc, problem)
		// Also look at what we could not decode: digits in a broken
		// encoding are still digits.
		defer w.findRaw(body, loc)
	}
	if err := w.b.Take(int64(len(data))); err != nil {
		w.unscannable(loc, reasonOf(err))
		w.addPart(Part{Where: loc, ContentType: ctype, Filename: w.maskName(name, ""), Attachment: loc != "body", Withheld: true, Reason: reasonOf(err)})
		return
	}
	m := partMeta{ctype: ctype, charset: params["charset"], name: name}
	if ctype == "text/plain" || ctype == "" {
		m.flowed = strings.EqualFold(params["format"], "flowed")
		m.delSp = strings.EqualFold(params["delsp"], "yes")
	}
	w.content(m, data, loc, depth)
}

// content dispatches decoded bytes on their format.
func (w *walker) content(m partMeta, data []byte, loc string, depth int) {
	switch m.ctype {
	case "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature":
		// A signature over the other parts is not content, but only a real
		// one: a label is no proof, and a person can read a text part
		// labelled as a signature.
		if ok, armor := isSignature(m.ctype, data); ok {
			if len(armor) > 0 {
				w.findOnly(armor, loc, map[findingKey]int{})
			}
			return
		}
	case "application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted":
		w.withhold(loc, m.ctype, m.name, ReasonEncrypted)
		return
	}
	w.dispatch(classify(m.ctype, m.name, data), m, data, loc, depth)
}

// dispatch reads data as format f.
func (w *walker) dispatch(f format, m partMeta, data []byte, loc string, depth int) {
	ctype, name := m.ctype, m.name
	switch f {
	case formatText, formatHTML, formatCalendar:
		w.textPart(data, f, m, loc, depth)
	case formatMessage:
		if depth+1 > w.s.lim.MaxDepth && w.s.lim.MaxDepth > 0 {
			w.withhold(loc, ctype, name, ReasonTooDeep)
			return
		}
		inner := loc
		if loc == "body" {
			inner = "attachment:" + w.maskName(name, "message/rfc822")
		}
		w.message(data, inner, depth+1)
	case formatPDF, formatDOCX, formatXLSX, formatPPTX, formatODF, formatRTF:
		before := len(w.b.images)
		text, err := documentReaders[f](w.b, data)
		w.document(data, text, err, ctype, name, loc, w.b.takeImages(before))
	case formatZip, formatGzip:
		w.archive(f, data, ctype, name, loc, depth)
	case formatTNEF:
		w.tnefPart(data, ctype, name, loc, depth)
	case formatImage:
		w.imagePart(data, m, loc)
	case formatEncryptedOffice:
		w.withhold(loc, ctype, name, ReasonEncrypted)
	case formatUnsupported:
		w.withhold(loc, ctype, name, ReasonUnsupported)
	default:
		w.withhold(loc, ctype, name, ReasonNoText)
		// Binary we cannot read may still hold text a person can see in
		// any editor: its ASCII digits are scanned.
		w.findRaw(data, loc)
	}
}

// document records a binary attachment whose text an extractor produced,
// and the images it met inside (see documentImages). The file itself is
// kept for staff only when it is clean; with a finding, or an image the
// policy withholds, it is withheld (we cannot mask inside a PDF) and its
// masked text shown.
func (w *walker) document(data []byte, text string, err error, ctype, name, loc string, images []imageNote) {
	// An RTF body (text/rtf) is a document too, and still a body.
	p := Part{Where: loc, ContentType: ctype, Filename: w.maskName(name, ""), Attachment: loc != "body"}
	if err != nil {
		p.Withheld, p.Reason = true, reasonOf(err)
		w.unscannable(loc, p.Reason)
	}
	if text != "" {
		masked, fs := w.find([]byte(text), loc)
		shown := map[findingKey]int{}
		sameOnce(shown, fs)
		viewOnly := false
		if v := escapedView([]byte(text)); v != nil {
			got := w.findOnly(v, loc, shown)
			viewOnly = len(got) > 0
			fs = append(fs, got...)
		}
		p.Findings = fs
		if w.s.keepText && !viewOnly {
			// With a number only in its escaped spelling, the masked
			// text would still hold it: show none.
			p.Text = masked
		}
	}
	w.documentImages(&p, images, loc)
	if len(p.Findings) > 0 && !p.Withheld {
		p.Withheld, p.Reason = true, "sensitive"
	}
	if !p.Withheld && w.s.keepText {
		p.Content = data
	}
	w.addPart(p)
}

func (w *walker) withhold(loc, ctype, name, reason string) {
	w.unscannable(loc, reason)
	w.addPart(Part{Where: loc, ContentType: ctype, Filename: w.maskName(name, ""), Attachment: loc != "body", Withheld: true, Reason: reason})
}

// textPart decodes the charset of a text part, turns HTML into text, and
// scans it. Besides the text staff see, it scans every other view a
// person could have of the same bytes: the other readings of a charset
// label that does not fit them, the lines as a client that ignores
// format=flowed shows them, and the text with URL, JSON and XML escapes
// decoded. A finding in any of them counts.
func (w *walker) textPart(data []byte, f format, m partMeta, loc string, depth int) {
	text, alts, problem := charset.Decode(data, m.charset)
	if problem != "" {
		w.unscannable(loc, problem)
		defer w.findRaw(data, loc)
	}
	p := Part{Where: loc, ContentType: orDefault(m.ctype, "text/plain"), Filename: w.maskName(m.name, ""), Attachment: loc != "body"}
	html := f == formatHTML || (m.ctype != "text/plain" && sniffHTML(text))
	p.HTML = html
	var views [][]byte
	if m.flowed && !html {
		views = append(views, text) // as a client that ignores format=flowed shows it
	}
	text, hidden, uris := w.textView(text, f, m, html)
	masked, fs := w.find(text, loc)
	if len(hidden) > 0 {
		_, hfs := w.find(hidden, loc)
		for i := range hfs {
			hfs[i].Start, hfs[i].End = -1, -1 // not in the text staff see
		}
		fs = append(fs, hfs...)
	}
	shown := map[findingKey]int{}
	sameOnce(shown, fs)
	views = append(views, escapedView(text), escapedView(hidden))
	if hasBase64Run(text) {
		views = append(views, base64View(text))
	}
	for _, alt := range alts {
		av, ah, _ := w.textView(alt, f, m, html)
		views = append(views, av, ah, escapedView(av), escapedView(ah))
	}
	viewOnly := false
	for _, v := range views {
		if len(v) == 0 {
			continue
		}
		// Other readings are copies: they draw on the same budget.
		if err := w.b.Take(int64(len(v))); err != nil {
			w.unscannable(loc, reasonOf(err))
			problem = firstNonEmpty(problem, reasonOf(err))
			break
		}
		got := w.findOnly(v, loc, shown)
		viewOnly = viewOnly || len(got) > 0
		fs = append(fs, got...)
	}
	p.Findings = fs
	if problem != "" {
		p.Withheld, p.Reason = true, problem
	}
	if viewOnly && !p.Withheld {
		// The number is in the text only in another spelling (escaped,
		// base64, another charset reading), which masking the shown text
		// cannot reach: the text is withheld, not shown half-masked.
		p.Withheld, p.Reason = true, "sensitive"
		masked = ""
	}
	if w.s.keepText {
		p.Text = masked
		if p.Attachment && len(fs) == 0 && problem == "" {
			p.Content = data
		}
	}
	if p.Attachment && len(fs) > 0 && !p.Withheld {
		// The file as sent holds the number; staff get its masked text.
		p.Withheld, p.Reason = true, "sensitive"
	}
	w.addPart(p)
	for i, u := range uris {
		w.dataURI(u, i+1, loc, depth)
	}
}

// textView turns decoded text into what a reader sees: HTML rendered to
// text (with what it hides and the data: URIs it embeds), calendar lines
// unfolded, flowed lines joined.
func (w *walker) textView(text []byte, f format, m partMeta, html bool) (visible, hidden []byte, uris []string) {
	switch {
	case html:
		return htmlText(text)
	case f == formatCalendar:
		return []byte(unfoldCalendar(string(text))), nil, nil
	case m.flowed:
		return unflow(text, m.delSp), nil, nil
	}
	return text, nil, nil
}

func sniffHTML(text []byte) bool {
	head := text
	if len(head) > 512 {
		head = head[:512]
	}
	head = bytes.ToLower(bytes.TrimSpace(head))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// multipart walks the parts of a multipart entity.
func (w *walker) multipart(ctype, boundary string, body []byte, where string, depth int) {
	loc := orDefault(where, "body")
	if ctype == "multipart/encrypted" {
		w.withhold(loc, ctype, "", ReasonEncrypted)
		return
	}
	if boundary == "" {
		// A multipart without a boundary cannot be split: scan it whole.
		w.unscannable(loc, ReasonParseError)
		w.textPart(body, formatText, partMeta{ctype: "text/plain"}, loc, depth)
		return
	}
	mr := textproto.NewMultipartReader(bytes.NewReader(body), boundary)
	n := 0
	defer func() {
		if n > 0 {
			// A client that does not read MIME shows the preamble and the
			// epilogue; readers that do hide them. Scanned, not shown.
			pre, epi := preambleEpilogue(body, boundary)
			w.scanLoose(pre, loc)
			w.scanLoose(epi, loc)
		}
	}()
	// The parts of multipart/alternative are one text in several forms: a
	// number in both the plain and the HTML body is one finding, not two.
	var shown map[findingKey]int
	if ctype == "multipart/alternative" {
		shown = map[findingKey]int{}
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if n == 0 {
				// Nothing could be split out: fail closed on the whole.
				w.unscannable(loc, ReasonParseError)
				w.textPart(body, formatText, partMeta{ctype: "text/plain"}, loc, depth)
			} else {
				w.unscannable(loc, ReasonTruncated)
			}
			return
		}
		n++
		limit := w.b.Remaining() + 1
		data, rerr := io.ReadAll(io.LimitReader(p, limit))
		if int64(len(data)) >= limit {
			w.unscannable(loc, ReasonTooLarge)
			return
		}
		before := len(w.res.Findings)
		w.entity(p.Header, data, where, depth+1)
		if shown != nil {
			w.res.Findings = append(w.res.Findings[:before], sameOnce(shown, w.res.Findings[before:])...)
		}
		if rerr != nil {
			// The part ended early (no closing boundary): what we read was
			// scanned, but the member's message may hold more.
			w.unscannable(loc, ReasonTruncated)
			return
		}
	}
}

// findingKey is what tells two findings of alternatives apart.
type findingKey struct {
	kind         Kind
	last4, where string
}

// sameOnce returns the findings of one alternative that the alternatives
// before it did not already report (as many times), and notes them in
// shown.
func sameOnce(shown map[findingKey]int, fs []Finding) []Finding {
	here := map[findingKey]int{}
	var keep []Finding
	for _, f := range fs {
		k := findingKey{f.Type, f.Last4, f.Where}
		here[k]++
		if here[k] > shown[k] {
			keep = append(keep, f)
		}
	}
	for k, c := range here {
		shown[k] = max(shown[k], c)
	}
	return keep
}

// archive walks the entries of a zip or gzip attachment.
func (w *walker) archive(f format, data []byte, ctype, name, loc string, depth int) {
	if w.s.lim.MaxDepth > 0 && depth+1 > w.s.lim.MaxDepth {
		w.withhold(loc, ctype, name, ReasonTooDeep)
		return
	}
	var entries []archive.Entry
	var err error
	if f == formatZip {
		entries, err = archive.Zip(w.b.Budget, data)
	} else {
		var e archive.Entry
		e, err = archive.Gzip(w.b.Budget, name, data)
		if err == nil {
			entries = []archive.Entry{e}
		}
	}
	archive := Part{Where: loc, ContentType: ctype, Filename: w.maskName(name, ""), Attachment: true}
	if err != nil {
		archive.Withheld, archive.Reason = true, reasonOf(err)
		w.unscannable(loc, archive.Reason)
	}
	before := len(w.res.Findings)
	for _, e := range entries {
		eloc := loc + "/" + w.maskName(e.Name, "")
		if e.Err != nil {
			w.withhold(eloc, "", e.Name, reasonOf(e.Err))
			archive.Withheld, archive.Reason = true, reasonOf(e.Err)
			continue
		}
		nparts := len(w.res.Parts)
		w.scanString(e.Name, eloc)
		w.content(partMeta{name: e.Name}, e.Data, eloc, depth+1)
		for _, p := range w.res.Parts[nparts:] {
			if p.Withheld && !archive.Withheld {
				archive.Withheld, archive.Reason = true, p.Reason
			}
		}
	}
	if len(w.res.Findings) > before && !archive.Withheld {
		archive.Withheld, archive.Reason = true, "sensitive"
	}
	if !archive.Withheld && w.s.keepText {
		archive.Content = data
	}
	w.addPart(archive)
}

// find detects and masks text located at loc, recording its findings.
func (w *walker) find(text []byte, loc string) (string, []Finding) {
	ms := w.d.detect(text, nil)
	if len(ms) == 0 {
		if !w.s.keepText {
			return "", nil
		}
		return string(text), nil
	}
	fs := make([]Finding, len(ms))
	for i, m := range ms {
		fs[i] = Finding{Type: m.Kind, Last4: m.Last4, Masked: m.Masked, Where: loc, Start: m.Start, End: m.End}
	}
	w.res.Findings = append(w.res.Findings, fs...)
	if !w.s.keepText {
		return "", fs
	}
	return string(Mask(text, ms)), fs
}

// findRaw scans bytes we could not decode, for findings only; it adds a
// finding only where the decoded text had none of the same number.
func (w *walker) findRaw(raw []byte, loc string) {
	shown := map[findingKey]int{}
	for _, f := range w.res.Findings {
		if f.Where == loc {
			shown[findingKey{f.Type, f.Last4, f.Where}]++
		}
	}
	w.findOnly(raw, loc, shown)
}

// findOnly scans another view of something already scanned at loc, for
// findings only: a number the views before it (counted in shown) did not
// already report is added, located but with no offset in the text staff
// see. It returns what it added.
func (w *walker) findOnly(text []byte, loc string, shown map[findingKey]int) []Finding {
	ms := w.d.detect(text, nil)
	if len(ms) == 0 {
		return nil
	}
	fs := make([]Finding, len(ms))
	for i, m := range ms {
		fs[i] = Finding{Type: m.Kind, Last4: m.Last4, Masked: m.Masked, Where: loc, Start: -1, End: -1}
	}
	keep := sameOnce(shown, fs)
	w.res.Findings = append(w.res.Findings, keep...)
	return keep
}

// scanLoose scans bytes that no header describes (a multipart's preamble
// and epilogue) in every reading, for findings only.
func (w *walker) scanLoose(data []byte, loc string) {
	if len(bytes.TrimSpace(data)) == 0 {
		return
	}
	text, alts, _ := charset.Decode(data, "")
	shown := map[findingKey]int{}
	for _, v := range append([][]byte{text, escapedView(text)}, alts...) {
		if len(v) > 0 {
			w.findOnly(v, loc, shown)
		}
	}
}

func (w *walker) scanString(s, loc string) string {
	masked, _ := w.find([]byte(s), loc)
	if !w.s.keepText {
		return ""
	}
	return masked
}

// maskName masks a file name for use in a location (a name can hold a
// number, and the location is shown and logged). Names are also scanned.
func (w *walker) maskName(name, ctype string) string {
	if name == "" {
		switch {
		case ctype == "message/rfc822":
			return "message.eml"
		case ctype != "":
			return "unnamed." + strings.ReplaceAll(safeType(ctype), "/", "-")
		}
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	return MaskString(name)
}

func (w *walker) unscannable(loc, reason string) {
	w.res.Unscannable = append(w.res.Unscannable, Unscannable{Where: loc, Reason: reason})
}

func (w *walker) addPart(p Part) {
	w.res.Parts = append(w.res.Parts, p)
}

// dedupUnscannable keeps one entry per location and reason.
func (r *Result) dedupUnscannable() {
	seen := map[Unscannable]bool{}
	out := r.Unscannable[:0]
	for _, u := range r.Unscannable {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	r.Unscannable = out
}

// mediaType parses a Content-Type or Content-Disposition leniently: a broken
// parameter list still yields the type.
func mediaType(v string) (string, map[string]string) {
	if v == "" {
		return "", map[string]string{}
	}
	t, params, err := mime.ParseMediaType(v)
	if err != nil {
		t = strings.ToLower(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]))
		params = looseParams(v)
	}
	return t, params
}

// looseParams pulls name=value pairs out of a header that mime rejects
// (unquoted spaces, duplicate parameters): senders get this wrong often.
func looseParams(v string) map[string]string {
	params := map[string]string{}
	for _, kv := range strings.Split(v, ";")[1:] {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		k = strings.TrimSuffix(k, "*")
		val = strings.Trim(strings.TrimSpace(val), `"`)
		if _, dup := params[k]; !dup {
			params[k] = val
		}
	}
	return params
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// DecodeHeader decodes a header value as the scanner reads it: RFC 2047
// words in any charset go-message knows (Q or B, padded or not, a
// character cut across adjacent words), the charset label checked against
// the bytes as for bodies, raw 8-bit as UTF-8 or Windows-1252. It is the
// one decoder for every header the gateway stores.
//
// ok is false exactly when something could not be decoded with
// confidence: a broken Q or B word, an unknown charset, bytes the label
// does not fit and no reading explains, or another reading of the bytes
// (raw 8-bit in a legacy CJK charset, UTF-16 of either byte order...)
// that shows digits text does not. Callers that keep the value must then
// not keep it raw, nor text as if it were all a reader could see.
func DecodeHeader(v string) (text string, ok bool) {
	h := decodeHeaderValue(v)
	if h.problem != "" {
		return h.text, false
	}
	digits := digitsOf(h.text)
	for _, alt := range h.alts {
		if d := digitsOf(alt); d != "" && d != digits {
			return h.text, false
		}
	}
	return h.text, true
}
