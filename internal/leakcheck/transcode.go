package leakcheck

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"sort"
	"strconv"
)

// The encodings a level looks inside: hex, base64, and compressed streams.
// Each decoded piece is read again as a level of its own, every way.

var hexTable = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isHex(byte(c))
	}
	return t
}()

// hex reads every run of hex digits long enough to hold a number, as
// bytes at either alignment (PostgreSQL dumps bytea as \x3431...).
func (s *scan) hex(b []byte, depth int) {
	for i := 0; i < len(b); {
		if !hexTable[b[i]] {
			i++
			continue
		}
		j := i
		for j < len(b) && hexTable[b[j]] {
			j++
		}
		if j-i >= 2*s.c.minLen {
			for align := 0; align < 2; align++ {
				start := i + align
				out := s.buf(depth, (j-start)/2)
				for k := range out {
					out[k] = byte(hexVal(b[start+2*k])<<4 | hexVal(b[start+2*k+1]))
				}
				s.nested(out, "hex@"+strconv.Itoa(align), depth, func(k int) int { return start + 2*k }, nil)
			}
		}
		i = j
	}
}

var b64Table = func() (t [256]int8) {
	for c := range t {
		t[c] = -1
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for v, c := range std {
		t[c] = int8(v)
	}
	t['-'], t['_'] = 62, 63 // the URL-safe alphabet
	return t
}()

// minBase64 is the shortest run of base64 worth decoding: nine bytes.
const minBase64 = 12

// segment says that stripped index k was at offset off of the level, and
// so on up to the next segment.
type segment struct{ k, off int }

// base64 reads every run of base64 characters (line breaks inside allowed,
// as MIME writes it) decoded from each of the four positions a group of
// four may start at, so that whatever was encoded is read whole at one of
// them.
func (s *scan) base64(b []byte, depth int) {
	var stripped []byte
	var segs []segment
	for i := 0; i < len(b); {
		if b64Table[b[i]] < 0 {
			i++
			continue
		}
		stripped, segs = stripped[:0], segs[:0]
		for {
			j := i
			for j < len(b) && b64Table[b[j]] >= 0 {
				j++
			}
			segs = append(segs, segment{len(stripped), i})
			stripped = append(stripped, b[i:j]...)
			k := j
			for k < len(b) && k-j < 2 && (b[k] == '\r' || b[k] == '\n') {
				k++
			}
			if k > j && k < len(b) && b64Table[b[k]] >= 0 {
				i = k // MIME's line break inside the run
				continue
			}
			i = j
			break
		}
		// A run of hex digits alone is hex (read as such), never base64
		// of anything a number is written in.
		if len(stripped) >= minBase64 && !allHex(stripped) {
			s.decodeBase64(stripped, segs, depth)
		}
	}
}

func allHex(b []byte) bool {
	for _, c := range b {
		if !hexTable[c] {
			return false
		}
	}
	return true
}

func (s *scan) decodeBase64(stripped []byte, segs []segment, depth int) {
	orig := func(k int) int {
		n := sort.Search(len(segs), func(x int) bool { return segs[x].k > k }) - 1
		return segs[n].off + k - segs[n].k
	}
	for align := 0; align < 4; align++ {
		src := stripped[align:]
		out := s.buf(depth, len(src)/4*3+2)[:0]
		for k := 0; k+1 < len(src); k += 4 {
			var v [4]byte
			n := copy(v[:], src[k:min(k+4, len(src))])
			var q uint32
			for x := 0; x < 4; x++ {
				q <<= 6
				if x < n {
					q |= uint32(b64Table[v[x]])
				}
			}
			out = append(out, byte(q>>16), byte(q>>8), byte(q))[:len(out)+n-1]
		}
		a := align
		s.nested(out, "base64@"+strconv.Itoa(align), depth, func(j int) int { return orig(a + 4*(j/3) + j%3) }, nil)
	}
}

// buf is the buffer that decoded bytes of depth go to, of length n: what
// a level decodes is read by the next before it decodes more, so one per
// depth is enough.
func (s *scan) buf(depth, n int) []byte {
	if cap(s.bufs[depth]) < n {
		s.bufs[depth] = make([]byte, n)
	}
	return s.bufs[depth][:n]
}

// maxInflate bounds what one compressed stream may give.
const maxInflate = 64 << 20

// inflate reads every zlib stream (a PDF's FlateDecode), gzip member and
// zip entry it can find, as far as it decodes.
func (s *scan) inflate(b []byte, depth int) {
	var fr io.ReadCloser
	try := func(name string, at int, data []byte) {
		// A bytes.Reader is an io.ByteReader: flate reads no further
		// than the stream, so what is left says where it ended.
		br := bytes.NewReader(data)
		if fr == nil {
			fr = flate.NewReader(br)
		} else {
			fr.(flate.Resetter).Reset(br, nil)
		}
		limit := min(maxInflate, s.budget+1)
		out := s.buf(depth, 0)
		for len(out) < limit {
			if len(out) == cap(out) {
				out = append(out, 0)[:len(out)]
			}
			n, err := fr.Read(out[len(out):min(cap(out), limit)])
			out = out[:len(out)+n]
			if err != nil {
				break
			}
		}
		s.bufs[depth] = out[:0]
		if len(out) >= limit {
			s.over = true
		}
		end := len(b) - br.Len() // data is a suffix of b
		s.nested(out, name, depth, func(int) int { return at }, func(int) int { return end })
	}
	for i := 0; i+2 < len(b); i++ {
		switch b[i] {
		case 0x78: // zlib: CMF of deflate with a 32 KiB window, then FLG
			flg := b[i+1]
			if (0x7800|int(flg))%31 == 0 && flg&0x20 == 0 && (b[i+2]>>1)&3 != 3 {
				try("zlib", i, b[i+2:])
			}
		case 0x1f: // gzip
			if b[i+1] == 0x8b && b[i+2] == 8 {
				if data, ok := gzipData(b[i:]); ok {
					try("gzip", i, data)
				}
			}
		case 'P': // zip local file header
			if i+30 <= len(b) && b[i+1] == 'K' && b[i+2] == 3 && b[i+3] == 4 {
				method := binary.LittleEndian.Uint16(b[i+8:])
				start := i + 30 + int(binary.LittleEndian.Uint16(b[i+26:])) + int(binary.LittleEndian.Uint16(b[i+28:]))
				if method == 8 && start < len(b) {
					try("zip entry", i, b[start:])
				}
			}
		}
	}
	if fr != nil {
		fr.Close()
	}
}

// gzipData returns the deflate data of the gzip member at the start of b
// (RFC 1952 §2.3), skipping its optional fields.
func gzipData(b []byte) ([]byte, bool) {
	if len(b) < 10 {
		return nil, false
	}
	flg, p := b[3], 10
	if flg&4 != 0 { // FEXTRA
		if p+2 > len(b) {
			return nil, false
		}
		p += 2 + int(binary.LittleEndian.Uint16(b[p:]))
	}
	for _, bit := range []byte{8, 16} { // FNAME, FCOMMENT: zero-terminated
		if flg&bit != 0 {
			k := bytes.IndexByte(b[min(p, len(b)):], 0)
			if k < 0 {
				return nil, false
			}
			p += k + 1
		}
	}
	if flg&2 != 0 { // FHCRC
		p += 2
	}
	if p >= len(b) {
		return nil, false
	}
	return b[p:], true
}

// words reads every sequence of RFC 2047 encoded words, decoded and joined
// as a mail client shows them (a number may straddle two words), whatever
// their charset: digits are ASCII in every charset that is not UTF-16 or
// UTF-32, and the level reads those too.
func (s *scan) words(b []byte, depth int) {
	var joined []byte
	start, end := -1, -1
	flush := func() {
		if start >= 0 && len(joined) >= s.c.minLen {
			at, to := start, end
			s.nested(joined, "encoded words", depth, func(int) int { return at }, func(int) int { return to })
		}
		joined, start = joined[:0], -1
	}
	for i := 0; i < len(b); {
		k := bytes.Index(b[i:], []byte("=?"))
		if k < 0 {
			break
		}
		k += i
		if start >= 0 && !onlySpace(b[i:k]) {
			flush()
		}
		text, q, wend, ok := encodedWordAt(b, k)
		if !ok {
			flush()
			i = k + 2
			continue
		}
		if start < 0 {
			start = k
		}
		joined = appendWord(joined, text, q)
		i, end = wend, wend
	}
	flush()
}

func onlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// encodedWordAt parses "=?charset?B?text?=" at b[i:] and returns its text,
// whether it is Q-encoded, and where it ends.
func encodedWordAt(b []byte, i int) (text []byte, q bool, end int, ok bool) {
	j := i + 2
	cs := bytes.IndexByte(b[j:min(len(b), j+64)], '?')
	if cs <= 0 || j+cs+3 > len(b) || b[j+cs+2] != '?' {
		return nil, false, 0, false
	}
	switch b[j+cs+1] {
	case 'Q', 'q':
		q = true
	case 'B', 'b':
	default:
		return nil, false, 0, false
	}
	t := j + cs + 3
	e := bytes.Index(b[t:min(len(b), t+1000)], []byte("?="))
	if e < 0 {
		return nil, false, 0, false
	}
	return b[t : t+e], q, t + e + 2, true
}

func appendWord(dst, text []byte, q bool) []byte {
	if !q {
		var v uint32
		n := 0
		for _, c := range text {
			if b64Table[c] < 0 {
				continue
			}
			v = v<<6 | uint32(b64Table[c])
			n++
			if n == 4 {
				dst = append(dst, byte(v>>16), byte(v>>8), byte(v))
				v, n = 0, 0
			}
		}
		switch n {
		case 2:
			dst = append(dst, byte(v>>4))
		case 3:
			dst = append(dst, byte(v>>10), byte(v>>2))
		}
		return dst
	}
	for k := 0; k < len(text); k++ {
		switch c := text[k]; {
		case c == '_':
			dst = append(dst, ' ')
		case c == '=' && k+2 < len(text) && isHex(text[k+1]) && isHex(text[k+2]):
			dst = append(dst, byte(hexVal(text[k+1])<<4|hexVal(text[k+2])))
			k += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
