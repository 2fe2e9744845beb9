package scan

import (
	"bytes"
	"context"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/intake-mail/intake/scan/internal/charset"
)

// Streaming, for `intake scan` over large files: a message whose one body
// is plain UTF-8 text (an export, a long letter: the large files scan is
// given) is read through a window of a few MiB, whatever its size, by the
// detector's own loop (streamDetector). Everything else, and a body that
// turns out to need more than the window (an escape, a run of base64, a
// byte that is not UTF-8, an ISO-2022 escape: views the walk decodes from
// the whole text), is read whole by the walk, from the start again. Either
// way the result is ScanFile's.

// streamPiece is how much of a file is read at a time (a variable for the
// fuzz test, which cuts messages into many small pieces).
var streamPiece = 1 << 20

// streamMinBody is the least body the first piece must hold for its
// sniffing (classify reads 8 KiB, the charset sniff 4 KiB) to see what
// it would see in the whole body.
const streamMinBody = 16 << 10

// ScanReader reads one file given to `intake scan` as ScanFile does, from
// f, holding a bounded window of it when it is a message whose only body
// is plain text (see above) and the Scanner keeps no text (WithoutText);
// otherwise, or when the window is not enough, it reads f whole, seeking
// back to its start. The error is f's.
func (s *Scanner) ScanReader(ctx context.Context, name string, f io.ReadSeeker) (*Result, error) {
	if s.keepText {
		return s.scanWhole(ctx, name, f)
	}
	head := make([]byte, max(streamPiece, 4*streamMinBody))
	n, err := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return s.ScanFile(ctx, name, head) // all of it fits in one piece
	case err != nil:
		return nil, err
	}
	res, streamed, err := s.scanStreamed(ctx, name, head, f)
	if err != nil || streamed {
		return res, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return s.scanWhole(ctx, name, f)
}

// scanWhole reads f from where it is to its end into one buffer of the
// right size, and scans it.
func (s *Scanner) scanWhole(ctx context.Context, name string, f io.ReadSeeker) (*Result, error) {
	at, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(at, io.SeekStart); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(int(end-at) + bytes.MinRead) // ReadFrom reads until it sees EOF
	if _, err := b.ReadFrom(f); err != nil {
		return nil, err
	}
	return s.ScanFile(ctx, name, b.Bytes())
}

// scanStreamed scans the message that starts with head and goes on in
// rest, if it can be read through the window; streamed is false when it
// cannot, and the caller reads it whole.
func (s *Scanner) scanStreamed(ctx context.Context, name string, head []byte, rest io.Reader) (res *Result, streamed bool, err error) {
	h, body, herr := readHeader(head)
	if herr != nil || !looksLikeHeader(h) || len(body) < streamMinBody {
		return nil, false, nil
	}
	w := &walker{s: s, b: newAccount(ctx, s.lim), res: &Result{}, d: detectors.Get().(*detector), file: name}
	defer detectors.Put(w.d)
	m, ok := w.plainBody(h, body)
	if !ok {
		return nil, false, nil
	}
	defer func() {
		if p := recover(); p != nil {
			if !recoverPanics {
				panic(p)
			}
			res, streamed, err = nil, false, nil // the whole walk reports it
		}
	}()
	w.messageHeader(h, "")
	if w.b.Check() != nil || w.b.Part() != nil {
		return nil, false, nil // the whole walk says why
	}
	bs := newBodyStream()
	total := int64(len(body))
	bs.check(body)
	bs.det.Write(body)
	checked := make(chan struct{}, 1) // buffered: a panic in run leaves no goroutine behind
	for !bs.failed {
		p, rerr := bs.det.fill(rest, streamPiece)
		total += int64(len(p))
		// The checks and the detector read the piece at once, on two
		// cores where there are two: run only reads the window, and
		// compact, which moves text in it, waits for the checks.
		go func() {
			bs.check(p)
			checked <- struct{}{}
		}()
		bs.det.run(false)
		<-checked
		bs.det.compact()
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			bs.close()
			return nil, false, rerr
		}
	}
	matches := bs.close()
	if bs.failed || w.b.Take(total) != nil {
		return nil, false, nil
	}
	const loc = "body"
	var fs []Finding
	for _, mt := range matches {
		fs = append(fs, Finding{Type: mt.Kind, Last4: mt.Last4, Masked: mt.Masked, Where: loc, Start: mt.Start, End: mt.End})
	}
	w.res.Findings = append(w.res.Findings, fs...)
	w.addPart(Part{Where: loc, ContentType: orDefault(m.ctype, "text/plain"), Findings: fs})
	w.res.maskNames()
	w.res.dedupUnscannable()
	return w.res, true, nil
}

// plainBody reports whether the message whose header is h, and whose
// body starts with body, is one entity the walk reads as plain text (see
// entity, content and textPart): one Content-Type, text/plain or none,
// neither flowed nor named nor an attachment, an identity transfer
// encoding, UTF-8 or ASCII as charset.Decode reads it, and bytes that
// classify calls text.
func (w *walker) plainBody(h textproto.Header, body []byte) (partMeta, bool) {
	if len(distinctValues(h, "Content-Type", typeKey)) > 1 || len(distinctValues(h, "Content-Transfer-Encoding", cteKey)) > 1 {
		return partMeta{}, false
	}
	ctype, params := mediaType(h.Get("Content-Type"))
	disp, dparams := mediaType(h.Get("Content-Disposition"))
	if ctype != "" && ctype != "text/plain" || disp == "attachment" || strings.EqualFold(params["format"], "flowed") {
		return partMeta{}, false
	}
	for _, n := range w.partNames(h, params, dparams) {
		if n != "" {
			return partMeta{}, false
		}
	}
	if cteKey(h.Get("Content-Transfer-Encoding")) != "identity" || !charset.PlainUTF8(params["charset"], body) {
		return partMeta{}, false
	}
	m := partMeta{ctype: ctype, charset: params["charset"]}
	if classify(ctype, "", body) != formatText || ctype != "text/plain" && sniffHTML(body) {
		return partMeta{}, false
	}
	return m, true
}

// bodyStream feeds a plain body to the stream detector and watches for
// what the walk would read in another view of the whole text: then it
// fails, and the body is read whole.
type bodyStream struct {
	det    *streamDetector
	tail   []byte // a character cut at the end of the last piece
	b64run int    // base64 characters in the run open at the end of the last piece
	failed bool
}

func newBodyStream() *bodyStream {
	det := newStreamDetector()
	det.buf = make([]byte, 0, 2*streamPiece+4*streamContext)
	return &bodyStream{det: det}
}

// check looks at the next piece of the body for what only the whole walk
// reads, and fails the stream if it finds any.
func (bs *bodyStream) check(p []byte) {
	if bs.failed || len(p) == 0 {
		return
	}
	// escapedView reads %, \ and & escapes; charset.Decode an ISO-2022 ESC.
	if bytes.IndexByte(p, '%') >= 0 || bytes.IndexByte(p, '\\') >= 0 || bytes.IndexByte(p, '&') >= 0 ||
		bytes.IndexByte(p, 0x1b) >= 0 || !bs.validUTF8(p) || bs.base64Run(p) {
		bs.failed = true
	}
}

// close returns what the detector found; the body has failed if it ends
// in a cut character.
func (bs *bodyStream) close() []Match {
	if len(bs.tail) > 0 {
		bs.failed = true
	}
	return bs.det.Close()
}

// validUTF8 is utf8.Valid over the pieces as if they were one text: a
// character cut between two pieces is checked whole.
func (bs *bodyStream) validUTF8(p []byte) bool {
	if len(bs.tail) > 0 {
		k := 0
		for k < len(p) && k < utf8.UTFMax && !utf8.RuneStart(p[k]) {
			k++
		}
		bs.tail = append(bs.tail, p[:k]...)
		p = p[k:]
		if !utf8.FullRune(bs.tail) {
			return len(p) == 0 && len(bs.tail) < utf8.UTFMax
		}
		if !utf8.Valid(bs.tail) {
			return false
		}
		bs.tail = bs.tail[:0]
	}
	j := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				j = i
			}
			break
		}
	}
	bs.tail = append(bs.tail, p[j:]...)
	return utf8.Valid(p[:j])
}

// base64Run is hasBase64Run over the pieces as if they were one text.
func (bs *bodyStream) base64Run(p []byte) bool {
	first := 0
	for first < len(p) && base64Class[p[first]] != b64Breaks {
		first++
	}
	bs.b64run += countBase64(p[:first])
	if bs.b64run >= minBase64Run {
		return true
	}
	if first == len(p) {
		return false
	}
	last := len(p) - 1
	for base64Class[p[last]] != b64Breaks {
		last--
	}
	if hasBase64Run(p[first : last+1]) {
		return true
	}
	bs.b64run = countBase64(p[last+1:])
	return bs.b64run >= minBase64Run
}

func countBase64(p []byte) int {
	n := 0
	for _, c := range p {
		if base64Class[c] == b64Char {
			n++
		}
	}
	return n
}
