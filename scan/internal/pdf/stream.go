package pdf

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/ascii85"
	"io"
	"sync"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// This file undoes stream filters (ISO 32000 7.4) as readers, so a content
// stream is interpreted as it inflates: a stream that inflates to 200 MiB
// costs a window of it in memory, not 200 MiB. Every byte a reader yields
// is charged to the message's budget as it is read, and a stream that
// decodes past the budget, or far past its stored size, fails too_large.

// pdfStreamReader reads one stream's decoded data.
type pdfStreamReader struct {
	r       io.Reader
	b       *budget.Budget
	limit   int64 // decoded bytes this stream may yield
	n       int64
	closers []func()
	held    int64 // a decrypted copy, given back on Close
	err     error
}

func (sr *pdfStreamReader) Read(p []byte) (int, error) {
	if sr.err != nil {
		return 0, sr.err
	}
	if room := sr.limit + 1 - sr.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := sr.r.Read(p)
	sr.n += int64(n)
	if sr.n > sr.limit {
		sr.err = budget.Unscannable(budget.ReasonTooLarge, "pdf: stream decodes past the budget")
		return 0, sr.err
	}
	if terr := sr.b.Take(int64(n)); terr != nil {
		sr.err = terr
		return 0, terr
	}
	if err != nil && err != io.EOF {
		if budget.IsUnscannableExact(err) {
			sr.err = err
			return n, err
		}
		// A stream that ends early keeps what was decoded, as viewers
		// show it; one that yields nothing at all is unreadable.
		if sr.n == 0 {
			sr.err = budget.Unscannable(budget.ReasonParseError, "pdf: corrupt compressed stream")
			return 0, sr.err
		}
		sr.err = io.EOF
		return n, io.EOF
	}
	if err == io.EOF {
		sr.err = io.EOF
	}
	return n, err
}

// Close gives back pooled inflaters.
func (sr *pdfStreamReader) Close() {
	for _, c := range sr.closers {
		c()
	}
	sr.closers = nil
	sr.b.Unhold(sr.held)
	sr.held = 0
}

// open returns a reader of s's decoded data. The caller closes it.
func (d *pdfDoc) open(s *pdfStream) (*pdfStreamReader, error) {
	if err := d.b.Check(); err != nil {
		return nil, err
	}
	data := s.src[s.start:s.end]
	var held int64
	if s.fromFile && d.crypt != nil && s.ref != d.encrypt && d.name(s.dict["Type"]) != "XRef" {
		// Decrypted whole: a copy of the stored bytes, never more.
		if err := d.b.Hold(int64(len(data))); err != nil {
			return nil, err
		}
		held = int64(len(data))
		var err error
		if data, err = d.crypt.decryptStream(s.ref, data); err != nil {
			d.b.Unhold(held)
			return nil, err
		}
	}
	sr := &pdfStreamReader{b: d.b, limit: d.streamLimit(int64(len(data))), held: held}
	var r io.Reader = bytes.NewReader(data)
	filters, parms := d.filters(s.dict)
	for i, f := range filters {
		var err error
		if r, err = d.filterReader(f, d.dict(parms[i]), r, sr); err != nil {
			sr.Close()
			return nil, err
		}
	}
	sr.r = r
	return sr, nil
}

// streamLimit is what a stream stored in n bytes may decode to: the
// message's remaining budget, and no more than a generous ratio.
func (d *pdfDoc) streamLimit(n int64) int64 {
	ratio := d.b.RatioLimit(n)
	if d.b.Limits().MaxArchiveRatio > 0 {
		ratio = max(ratio, 5*d.b.Limits().MaxArchiveRatio*n+pdfStreamSlack)
	}
	return min(d.b.Remaining(), ratio)
}

// filterReader undoes one filter (7.4).
func (d *pdfDoc) filterReader(f pdfName, parms pdfDict, in io.Reader, sr *pdfStreamReader) (io.Reader, error) {
	switch f {
	case "FlateDecode", "Fl":
		r, done := inflater(in)
		sr.closers = append(sr.closers, done)
		return d.predictorReader(parms, r), nil
	case "ASCIIHexDecode", "AHx":
		return &hexReader{r: bufio.NewReaderSize(in, 4096)}, nil
	case "ASCII85Decode", "A85":
		return ascii85.NewDecoder(&a85Source{r: bufio.NewReaderSize(in, 4096)}), nil
	case "RunLengthDecode", "RL":
		return &runLengthReader{r: bufio.NewReaderSize(in, 4096)}, nil
	case "Crypt":
		return in, nil // the identity crypt filter; real ones were undone above
	case "DCTDecode", "DCT", "JPXDecode", "CCITTFaxDecode", "CCF", "JBIG2Decode":
		return nil, errPDFImageStream
	}
	return nil, budget.Unscannable(budget.ReasonUnsupported, "pdf: stream filter "+string(f))
}

// inflaters keeps zlib readers (and their 32 KiB windows) between streams:
// a PDF has many small ones.
var inflaters sync.Pool

// inflater reads zlib data, or raw deflate when the zlib header is missing
// (some producers write it so).
func inflater(in io.Reader) (io.Reader, func()) {
	br := bufio.NewReaderSize(in, 4096)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
		if zr, ok := inflaters.Get().(io.ReadCloser); ok {
			if err := zr.(zlib.Resetter).Reset(br, nil); err == nil {
				return zr, func() { inflaters.Put(zr) }
			}
			inflaters.Put(zr)
		} else if zr, err := zlib.NewReader(br); err == nil {
			return zr, func() { inflaters.Put(zr) }
		}
		return errReader{budget.Unscannable(budget.ReasonParseError, "pdf: corrupt compressed stream")}, func() {}
	}
	fr := flate.NewReader(br)
	return fr, func() { fr.Close() }
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// hexReader undoes ASCIIHexDecode: pairs of hex digits up to '>'.
type hexReader struct {
	r    *bufio.Reader
	done bool
}

func (h *hexReader) Read(p []byte) (int, error) {
	n := 0
	var hi byte
	half := false
	for n < len(p) && !h.done {
		c, err := h.r.ReadByte()
		if err != nil || c == '>' {
			h.done = true
			break
		}
		if !isHex(c) {
			continue
		}
		if half {
			p[n] = hi<<4 | unhexByte(c)
			n++
		} else {
			hi = unhexByte(c)
		}
		half = !half
	}
	if half {
		// An odd digit at the end stands for a trailing 0 (7.4.2); one
		// cut by the buffer is put back.
		if h.done {
			p[n] = hi << 4
			n++
		} else {
			h.r.UnreadByte()
		}
	}
	if n == 0 && h.done {
		return 0, io.EOF
	}
	return n, nil
}

// a85Source feeds ascii85's decoder: it drops the optional "<~" and stops
// at the "~>" end marker.
type a85Source struct {
	r       *bufio.Reader
	started bool
	done    bool
}

func (a *a85Source) Read(p []byte) (int, error) {
	if a.done {
		return 0, io.EOF
	}
	if !a.started {
		a.started = true
		for {
			c, err := a.r.ReadByte()
			if err != nil {
				return 0, io.EOF
			}
			if !isPDFSpace(c) {
				a.r.UnreadByte()
				break
			}
		}
		if head, _ := a.r.Peek(2); string(head) == "<~" {
			a.r.Discard(2)
		}
	}
	n := 0
	for n < len(p) {
		c, err := a.r.ReadByte()
		if err != nil || c == '~' {
			a.done = true
			break
		}
		p[n] = c
		n++
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// runLengthReader undoes RunLengthDecode (7.4.5).
type runLengthReader struct {
	r      *bufio.Reader
	repeat int  // bytes of c still to give
	c      byte // the repeated byte
	copyN  int  // literal bytes still to copy
	done   bool
}

func (rl *runLengthReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		switch {
		case rl.repeat > 0:
			k := min(rl.repeat, len(p)-n)
			for i := 0; i < k; i++ {
				p[n+i] = rl.c
			}
			n += k
			rl.repeat -= k
		case rl.copyN > 0:
			k, err := rl.r.Read(p[n : n+min(rl.copyN, len(p)-n)])
			n += k
			rl.copyN -= k
			if err != nil {
				rl.done, rl.copyN = true, 0
			}
		case rl.done:
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		default:
			l, err := rl.r.ReadByte()
			switch {
			case err != nil || l == 128:
				rl.done = true
			case l < 128:
				rl.copyN = int(l) + 1
			default:
				c, err := rl.r.ReadByte()
				if err != nil {
					rl.done = true
				} else {
					rl.c, rl.repeat = c, 257-int(l)
				}
			}
		}
	}
	return n, nil
}

// predictorReader reverses a PNG predictor (7.4.4.4) row by row, which
// object streams may use; the TIFF predictor is left alone (images only).
func (d *pdfDoc) predictorReader(parms pdfDict, in io.Reader) io.Reader {
	pred, _ := d.resolve(parms["Predictor"]).(pdfInt)
	if pred < 10 {
		return in
	}
	colors, bpc, cols := pdfInt(1), pdfInt(8), pdfInt(1)
	if v, ok := d.resolve(parms["Colors"]).(pdfInt); ok && v > 0 && v <= 32 {
		colors = v
	}
	if v, ok := d.resolve(parms["BitsPerComponent"]).(pdfInt); ok && v > 0 && v <= 16 {
		bpc = v
	}
	if v, ok := d.resolve(parms["Columns"]).(pdfInt); ok && v > 0 && v <= 1<<20 {
		cols = v
	}
	rowLen := int(colors*bpc*cols+7) / 8
	return &pngRows{r: in, bpp: max(int(colors*bpc+7)/8, 1), row: make([]byte, 1+rowLen), prev: make([]byte, rowLen)}
}

type pngRows struct {
	r         io.Reader
	bpp       int
	row, prev []byte // row holds the filter byte first
	out       []byte // what is left of the last decoded row
	done      bool
}

func (pr *pngRows) Read(p []byte) (int, error) {
	for len(pr.out) == 0 {
		if pr.done {
			return 0, io.EOF
		}
		if _, err := io.ReadFull(pr.r, pr.row); err != nil {
			pr.done = true
			if budget.IsUnscannable(err) {
				return 0, err
			}
			return 0, io.EOF // a partial row is dropped, as before
		}
		ft, row := pr.row[0], pr.row[1:]
		for j := range row {
			var left, upLeft byte
			if j >= pr.bpp {
				left, upLeft = row[j-pr.bpp], pr.prev[j-pr.bpp]
			}
			up := pr.prev[j]
			switch ft {
			case 1:
				row[j] += left
			case 2:
				row[j] += up
			case 3:
				row[j] += byte((int(left) + int(up)) / 2)
			case 4:
				row[j] += paeth(left, up, upLeft)
			}
		}
		copy(pr.prev, row)
		pr.out = pr.prev
	}
	n := copy(p, pr.out)
	pr.out = pr.out[n:]
	return n, nil
}

// readAllHeld reads a decoded stream whole, holding its memory in the
// shared account as it grows.
func readAllHeld(b *budget.Budget, r io.Reader) ([]byte, error) {
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			grow := max(cap(buf), 4096)
			if err := b.Hold(int64(grow)); err != nil {
				return nil, err
			}
			buf = append(buf, make([]byte, grow)...)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
