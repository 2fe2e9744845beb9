package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"unicode/utf16"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// This file holds a PDF's objects. They are found by scanning the file for
// "N G obj" rather than by trusting the cross-reference table, as a repairing
// viewer does: a truncated file or a broken table still yields its objects,
// and an object left behind by an incremental update is still scanned.

// maxPDFObjects bounds the objects one PDF may hold; real documents of a
// few hundred pages have tens of thousands.
const maxPDFObjects = 500_000

// pdfStreamSlack is decoded size every stream may reach whatever its ratio.
const pdfStreamSlack = 8 << 20

// maxObjStmBytes bounds the object streams of one document, which are
// held whole while it is read; producers write a few hundred small objects
// to each, a few MiB in all for the largest documents.
const maxObjStmBytes = 32 << 20

var errPDFImageStream = errors.New("image data")

type pdfDoc struct {
	b       *budget.Budget
	env     Env
	data    []byte
	objs    map[int]pdfObj // the latest definition of each object number
	order   map[int]int    // where that definition sits in the file
	gens    map[int]int    // generation of file-level objects, for decryption
	trailer pdfDict
	crypt   *pdfCrypt
	encrypt pdfRef // the /Encrypt dictionary, never decrypted
	objStms []int
	streams []*pdfStream // every file-level stream, in file order
	decoded map[*pdfStream][]byte
	sawEOF  bool
	cutOff  bool // a stream or object runs past the end of the file
}

// scan finds every object in the file.
func (d *pdfDoc) scan() error {
	d.objs = map[int]pdfObj{}
	d.order = map[int]int{}
	d.gens = map[int]int{}
	d.decoded = map[*pdfStream][]byte{}
	data := d.data
	type trailerAt struct {
		pos  int
		dict pdfDict
	}
	var trailers []trailerAt
	pos := 0
	for n := 0; pos < len(data); n++ {
		if n%1024 == 0 {
			if err := d.b.Check(); err != nil {
				return err
			}
		}
		i := bytes.Index(data[pos:], []byte("obj"))
		if i < 0 {
			break
		}
		p := pos + i
		pos = p + 3
		num, gen, ok := objHeader(data, p)
		if !ok || (pos < len(data) && !isPDFSpace(data[pos]) && !isPDFDelim(data[pos])) {
			continue
		}
		if len(d.objs) >= maxPDFObjects {
			return budget.Unscannable(budget.ReasonTooLarge, fmt.Sprintf("pdf: more than %d objects", maxPDFObjects))
		}
		lx := pdfLexer{data: data, pos: pos}
		obj := lx.object(0)
		after := lx.pos
		if t := lx.next(); t.kind == tokKeyword && string(t.str) == "stream" {
			dict, _ := obj.(pdfDict)
			s := &pdfStream{dict: dict, ref: pdfRef{num, gen}, src: data, fromFile: true}
			s.start, s.end, pos = d.streamBounds(dict, lx.pos)
			obj = s
			d.streams = append(d.streams, s)
			if name, _ := dict["Type"].(pdfName); name == "XRef" {
				trailers = append(trailers, trailerAt{p, dict})
			} else if name == "ObjStm" {
				d.objStms = append(d.objStms, num)
			}
		} else {
			pos = after
		}
		d.objs[num] = obj
		d.order[num] = p
		d.gens[num] = gen
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("trailer"))
		if j < 0 {
			break
		}
		i += j + len("trailer")
		lx := pdfLexer{data: data, pos: i}
		if t := lx.next(); t.kind == tokDictOpen {
			if dict, ok := lx.objectFrom(t, 0).(pdfDict); ok {
				trailers = append(trailers, trailerAt{i, dict})
			}
			i = lx.pos // what the dictionary spanned is not searched again
		}
	}
	sort.SliceStable(trailers, func(i, j int) bool { return trailers[i].pos < trailers[j].pos })
	d.trailer = pdfDict{}
	for _, t := range trailers {
		for k, v := range t.dict {
			d.trailer[k] = v
		}
	}
	d.sawEOF = bytes.Contains(data[max(0, len(data)-2048):], []byte("%%EOF"))
	if len(d.objs) == 0 {
		return budget.Unscannable(budget.ReasonParseError, "pdf: no objects")
	}
	return nil
}

// objHeader reads "num gen" before the "obj" at p.
func objHeader(data []byte, p int) (num, gen int, ok bool) {
	i := p
	skipSpace := func() bool {
		j := i
		for i > 0 && isPDFSpace(data[i-1]) {
			i--
		}
		return i < j
	}
	readInt := func() (int, bool) {
		end := i
		for i > 0 && isDecDigit(data[i-1]) && end-i < 10 {
			i--
		}
		if i == end {
			return 0, false
		}
		v := 0
		for _, c := range data[i:end] {
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	if !skipSpace() {
		return 0, 0, false
	}
	if gen, ok = readInt(); !ok || !skipSpace() {
		return 0, 0, false
	}
	if num, ok = readInt(); !ok {
		return 0, 0, false
	}
	if i > 0 && !isPDFSpace(data[i-1]) && !isPDFDelim(data[i-1]) {
		return 0, 0, false
	}
	return num, gen, true
}

// streamBounds finds a stream's data after the "stream" keyword at kw. The
// declared /Length is used when "endstream" is where it says; otherwise the
// data runs to the next "endstream", as repairing readers do.
func (d *pdfDoc) streamBounds(dict pdfDict, kw int) (start, end, next int) {
	data := d.data
	start = kw
	if start < len(data) && data[start] == '\r' {
		start++
	}
	if start < len(data) && data[start] == '\n' {
		start++
	}
	if n, ok := dict["Length"].(pdfInt); ok && n >= 0 && int64(n) <= int64(len(data)-start) {
		e := start + int(n)
		k := e
		for k < len(data) && isPDFSpace(data[k]) && k-e < 4 {
			k++
		}
		if bytes.HasPrefix(data[k:], []byte("endstream")) {
			return start, e, k + len("endstream")
		}
	}
	i := bytes.Index(data[start:], []byte("endstream"))
	if i < 0 {
		d.cutOff = true
		return start, len(data), len(data)
	}
	end = start + i
	if end > start && data[end-1] == '\n' {
		end--
	}
	if end > start && data[end-1] == '\r' {
		end--
	}
	return start, end, start + i + len("endstream")
}

// loadObjectStreams reads the objects compressed into object streams
// (7.5.7). A definition later in the file wins, as an update would.
func (d *pdfDoc) loadObjectStreams() error {
	room := int64(maxObjStmBytes)
	for _, num := range d.objStms {
		s, ok := d.objs[num].(*pdfStream)
		if !ok {
			continue
		}
		data, err := d.decodeMax(s, room)
		if err != nil {
			switch budget.ReasonOf(err) {
			case budget.ReasonTooLarge, budget.ReasonTimeout:
				return err // its objects would be missing: not a clean read
			}
			continue // its objects are missing; what uses them reports it
		}
		room -= int64(len(data))
		// Its objects, parsed, cost several times its bytes.
		if err := d.b.Hold(pdfParseCost * int64(len(data))); err != nil {
			return err
		}
		n, _ := d.resolve(s.dict["N"]).(pdfInt)
		first, _ := d.resolve(s.dict["First"]).(pdfInt)
		if n <= 0 || first < 0 || int(first) > len(data) {
			continue
		}
		lx := pdfLexer{data: data[:first]}
		type entry struct{ num, off int }
		var entries []entry
		for i := 0; i < int(n); i++ {
			a, b := lx.next(), lx.next()
			if a.kind != tokNumber || b.kind != tokNumber {
				break
			}
			entries = append(entries, entry{int(a.num), int(b.num)})
		}
		at := d.order[num]
		for _, e := range entries {
			if err := d.b.Check(); err != nil {
				return err
			}
			if prev, ok := d.order[e.num]; ok && prev > at {
				continue
			}
			off := int(first) + e.off
			if e.off < 0 || off >= len(data) {
				continue
			}
			if len(d.objs) >= maxPDFObjects {
				return budget.Unscannable(budget.ReasonTooLarge, fmt.Sprintf("pdf: more than %d objects", maxPDFObjects))
			}
			olx := pdfLexer{data: data, pos: off}
			d.objs[e.num] = olx.object(0)
			d.order[e.num] = at
		}
	}
	return nil
}

// resolve follows a reference (one level; a reference to a reference is
// followed too, a bounded number of times).
func (d *pdfDoc) resolve(o pdfObj) pdfObj {
	for i := 0; i < 8; i++ {
		r, ok := o.(pdfRef)
		if !ok {
			return o
		}
		o = d.objs[r.num]
	}
	return nil
}

func (d *pdfDoc) dict(o pdfObj) pdfDict {
	switch v := d.resolve(o).(type) {
	case pdfDict:
		return v
	case *pdfStream:
		return v.dict
	}
	return nil
}

func (d *pdfDoc) stream(o pdfObj) *pdfStream {
	s, _ := d.resolve(o).(*pdfStream)
	return s
}

func (d *pdfDoc) array(o pdfObj) pdfArray {
	a, _ := d.resolve(o).(pdfArray)
	return a
}

func (d *pdfDoc) name(o pdfObj) pdfName {
	n, _ := d.resolve(o).(pdfName)
	return n
}

// decode returns a stream's data with its filters undone, once; the bytes
// are charged to the budget as they decode and held in the shared account
// while the document is read. Content streams are not decoded whole: see
// open and pdfContent.
func (d *pdfDoc) decode(s *pdfStream) ([]byte, error) {
	return d.decodeMax(s, -1)
}

// decodeMax is decode for a stream that is useless past limit bytes (a
// font's CMap): past it the stream is too_large, and no more is inflated.
func (d *pdfDoc) decodeMax(s *pdfStream, limit int64) ([]byte, error) {
	if out, ok := d.decoded[s]; ok {
		return out, nil
	}
	sr, err := d.open(s)
	if err != nil {
		return nil, err
	}
	defer sr.Close()
	if limit >= 0 && limit < sr.limit {
		sr.limit = limit
	}
	data, err := readAllHeld(d.b, sr)
	if err != nil {
		return nil, err
	}
	d.decoded[s] = data
	return data, nil
}

func (d *pdfDoc) filters(dict pdfDict) ([]pdfName, pdfArray) {
	switch f := d.resolve(dict["Filter"]).(type) {
	case pdfName:
		return []pdfName{f}, pdfArray{dict["DecodeParms"]}
	case pdfArray:
		var names []pdfName
		for _, x := range f {
			names = append(names, d.name(x))
		}
		parms := d.array(dict["DecodeParms"])
		for len(parms) < len(names) {
			parms = append(parms, nil)
		}
		return names, parms
	}
	return nil, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// textString decodes a PDF text string (7.9.2.2): UTF-16 with a BOM, UTF-8
// with a BOM (PDF 2.0), else PDFDocEncoding, which agrees with Latin-1 where
// digits and letters are.
func textString(s pdfString) string {
	switch {
	case len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff:
		return utf16String(s[2:], true)
	case len(s) >= 2 && s[0] == 0xff && s[1] == 0xfe:
		return utf16String(s[2:], false)
	case len(s) >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf:
		return string(s[3:])
	}
	r := make([]rune, 0, len(s))
	for _, c := range s {
		r = append(r, rune(c))
	}
	return string(r)
}

func utf16String(b []byte, bigEndian bool) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if bigEndian {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
		}
	}
	return string(utf16.Decode(u))
}
