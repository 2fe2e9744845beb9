package pdf

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// This file reads content streams (ISO 32000 7.8.2) as they decode, through
// a window of bounded size: a page whose stream inflates to 200 MiB of
// "(777...) Tj" costs the window, the text it yields (bounded by its own
// budget) and no more.

// Bounds on the window one content stream is read through.
const (
	pdfWindow   = 64 << 10 // what is read at a time
	pdfLowWater = 8 << 10  // refilled below this, so most tokens fit
	pdfMaxToken = 4 << 20  // the longest token or array; past it, too_large
)

// pdfContent yields the tokens of one content stream.
type pdfContent struct {
	b    *budget.Budget
	src  io.Reader // nil when the whole stream is in memory
	lx   pdfLexer
	buf  []byte
	held int64 // what the window holds of the shared account
	eof  bool
	err  error // why the source stopped, when it was not its end
}

// contentBytes reads a stream already in memory.
func contentBytes(data []byte) *pdfContent {
	return &pdfContent{lx: pdfLexer{data: data, noRefs: true}, eof: true}
}

// contentReader reads a stream from a decoding reader.
func contentReader(b *budget.Budget, r io.Reader) *pdfContent {
	return &pdfContent{b: b, src: r, lx: pdfLexer{noRefs: true}}
}

// fill keeps the bytes from the lexer's position on and reads until the
// window holds want bytes or the stream ends.
func (c *pdfContent) fill(want int) error {
	if c.eof {
		return nil
	}
	var rest int
	if want > len(c.buf) {
		size := max(want, pdfWindow)
		if err := c.b.Hold(int64(size)); err != nil {
			return err
		}
		c.held += int64(size)
		var nb []byte
		if size == pdfWindow {
			nb = *windows.Get().(*[]byte)
		} else {
			nb = make([]byte, size)
		}
		rest = copy(nb, c.lx.data[c.lx.pos:])
		c.b.Unhold(int64(len(c.buf)))
		c.held -= int64(len(c.buf))
		c.putWindow()
		c.buf = nb
	} else {
		rest = copy(c.buf, c.lx.data[c.lx.pos:])
	}
	c.lx.data, c.lx.pos = c.buf[:rest], 0
	for stalls := 0; len(c.lx.data) < want && stalls < 100; {
		n, err := c.src.Read(c.buf[len(c.lx.data):])
		c.lx.data = c.buf[:len(c.lx.data)+n]
		if n == 0 {
			stalls++
		}
		if err != nil {
			c.eof = true
			if err != io.EOF {
				c.err = err
			}
			return nil
		}
	}
	if len(c.lx.data) < want {
		c.eof = true // a reader that yields nothing, forever
	}
	return nil
}

// windows keeps windows between content streams: a PDF has many small
// ones.
var windows = sync.Pool{New: func() any { b := make([]byte, pdfWindow); return &b }}

// release gives the window back, and what it held of the shared account;
// the content is not read after it.
func (c *pdfContent) release() {
	if c.b != nil {
		c.b.Unhold(c.held)
	}
	c.held = 0
	c.putWindow()
	c.lx.data, c.lx.pos = nil, 0
}

func (c *pdfContent) putWindow() {
	if len(c.buf) == pdfWindow {
		b := c.buf
		windows.Put(&b)
	}
	c.buf = nil
}

// next returns the next token, and the operand it starts when it is not
// an operator. A token that runs past the window is read again with a
// larger one; one longer than pdfMaxToken makes the stream too_large (a
// string cut there would hide the rest of its text).
func (c *pdfContent) next() (pdfToken, pdfObj, error) {
	for {
		if !c.eof && len(c.lx.data)-c.lx.pos < pdfLowWater {
			if err := c.fill(max(len(c.buf), pdfWindow)); err != nil {
				return pdfToken{}, nil, err
			}
		}
		start := c.lx.pos
		t := c.lx.next()
		var obj pdfObj
		if t.kind != tokKeyword && t.kind != tokEOF {
			obj = c.lx.objectFrom(t, 0)
		}
		if c.lx.pos >= len(c.lx.data) && !c.eof {
			span := len(c.lx.data) - start
			if span >= pdfMaxToken {
				return pdfToken{}, nil, budget.Unscannable(budget.ReasonTooLarge, fmt.Sprintf("pdf: a content token longer than %d bytes", pdfMaxToken))
			}
			c.lx.pos = start
			if err := c.fill(min(max(2*span, pdfWindow), pdfMaxToken)); err != nil {
				return pdfToken{}, nil, err
			}
			continue
		}
		if t.kind == tokEOF && c.err != nil {
			return t, nil, c.err
		}
		return t, obj, nil
	}
}

// inlineImageData moves past "<binary> EI" of an inline image (8.9.7),
// the lexer being just past its ID, however long, and returns the data
// when keep is set and it is no longer than limit (else nil): an image
// that is not to be read costs no memory.
func (c *pdfContent) inlineImageData(keep bool, limit int) ([]byte, error) {
	c.lx.pos++ // the single white-space byte after ID
	var data []byte
	over := false
	collect := func(b []byte) {
		if !keep || over {
			return
		}
		if len(data)+len(b) > limit {
			over, data = true, nil
			return
		}
		data = append(data, b...)
	}
	for {
		d := c.lx.data
		if c.lx.pos > len(d) {
			c.lx.pos = len(d)
		}
		from := c.lx.pos
		i := bytes.Index(d[from:], []byte("EI"))
		if i < 0 {
			if c.eof {
				collect(d[from:])
				c.lx.pos = len(d)
				return data, c.err
			}
			// Keep two bytes: an "E" cut from its "I", and what is before it.
			c.lx.pos = max(from, len(d)-2)
			collect(d[from:c.lx.pos])
			if err := c.fill(max(len(c.buf), pdfWindow)); err != nil {
				return nil, err
			}
			continue
		}
		p := from + i
		if p+2 >= len(d) && !c.eof {
			c.lx.pos = max(p-1, from) // the byte after "EI" is not read yet
			collect(d[from:c.lx.pos])
			if err := c.fill(max(len(c.buf), pdfWindow)); err != nil {
				return nil, err
			}
			continue
		}
		c.lx.pos = p + 2
		if p > 0 && isPDFSpace(d[p-1]) && (p+2 == len(d) || isPDFSpace(d[p+2]) || isPDFDelim(d[p+2])) {
			collect(d[from:max(p-1, from)])
			return data, nil
		}
		collect(d[from : p+2])
	}
}
