package scan

import (
	"io"
	"sort"
)

// streamDetector runs the detector's own loop (detect) over a text that
// arrives in pieces, holding a bounded window of it: what it finds is
// exactly what Detect finds in the whole text. The loop goes run by run;
// a run is decided only once the window holds the run and everything its
// decision reads around it (an SSN word within keywordWindow, the lines
// above and below a row of cells within tableLookBytes); otherwise it
// waits for the next piece, so a number cut by a piece boundary is read
// whole. The window keeps that much text before the loop's position, so
// a decision reads the same text backwards too. A run longer than the
// window (a megabyte of digits) grows it until the run ends.
type streamDetector struct {
	d    *detector
	buf  []byte // the text from base on
	base int
	pos  int     // where the loop goes on, in buf
	out  []Match // what was found so far, offsets in the whole text
}

// streamContext is how far around a run its decision may read: the
// keyword window and twice the table look (a row's neighbour line is read
// up to tableLookBytes past the line break that tableLookBytes found),
// with room to spare.
const streamContext = 2*tableLookBytes + keywordWindow + 1024

func newStreamDetector() *streamDetector {
	d := detectors.Get().(*detector)
	d.kw.reset()
	d.table = tableCache{}
	return &streamDetector{d: d}
}

// Write adds the next piece of the text and reads what it can decide.
func (s *streamDetector) Write(p []byte) {
	s.buf = append(s.buf, p...)
	s.advance()
}

// fill reads the next piece of the text from r straight into the window,
// at most n bytes (io.ReadFull's error), and returns it, for the caller
// to look at before advance reads it: the one copy of the text is the
// read's.
func (s *streamDetector) fill(r io.Reader, n int) ([]byte, error) {
	if cap(s.buf)-len(s.buf) < n {
		grown := make([]byte, len(s.buf), 2*len(s.buf)+n)
		copy(grown, s.buf)
		s.buf = grown
	}
	k, err := io.ReadFull(r, s.buf[len(s.buf):len(s.buf)+n])
	p := s.buf[len(s.buf) : len(s.buf)+k]
	s.buf = s.buf[:len(s.buf)+k]
	return p, err
}

// advance reads what the window now decides, and drops what it no longer
// needs.
func (s *streamDetector) advance() {
	s.run(false)
	s.compact()
}

// Close reads the rest, gives the detector back and returns every match,
// in order.
func (s *streamDetector) Close() []Match {
	s.run(true)
	detectors.Put(s.d)
	s.d = nil
	return s.out
}

// run is detect's loop, stopping where the window no longer holds all a
// step may read, unless final.
func (s *streamDetector) run(final bool) {
	text, d := s.buf, s.d
	limit := len(text)
	if !final {
		limit -= streamContext
	}
	from := len(s.out)
	i := s.pos
	for i < limit {
		j := nextCandidate(text, i)
		if j < 0 {
			i = len(text) // no candidate byte anywhere in the window
			break
		}
		i = j
		if i >= limit {
			break
		}
		if _, size, ok := digitAt(text, i); !ok {
			i += size
			continue
		}
		if end, skip := shortRun(text, i); skip && !noFastPath {
			if !final && end+streamContext > len(text) {
				break // the run may go on past the window
			}
			i = end
			continue
		}
		next := d.r.parse(text, i)
		if !final && next+streamContext > len(text) {
			break
		}
		if len(d.r.digits) >= 9 {
			s.out = d.findRun(text, &d.r, s.out)
		}
		i = next
	}
	s.pos = i
	found := s.out[from:]
	sort.Slice(found, func(a, b int) bool { return found[a].Start < found[b].Start })
	for k := range found {
		found[k].Start += s.base
		found[k].End += s.base
		if found[k].maskEnd > 0 {
			found[k].maskEnd += s.base
		}
	}
}

// compact drops the text the loop will not read again, once that is half
// the window, so copying costs no more than reading.
func (s *streamDetector) compact() {
	drop := s.pos - streamContext
	if drop <= 0 || drop < len(s.buf)/2 {
		return
	}
	n := copy(s.buf, s.buf[drop:])
	s.buf = s.buf[:n]
	s.base += drop
	s.pos -= drop
	kw := &s.d.kw
	kw.searched = max(kw.searched-drop, 0)
	keep := kw.hits[:0]
	for _, h := range kw.hits {
		if h >= drop {
			keep = append(keep, h-drop)
		}
	}
	kw.hits = keep
	s.d.table = tableCache{} // it remembers lines by offset
}
