package rtf

import (
	"encoding/binary"
	"fmt"
)

// pictHex takes one character of a picture's hex data. White space is
// layout; anything else that is not a hex digit is ignored, as Word does.
func (p *parser) pictHex(c byte) {
	v, ok := unhex(c)
	if !ok {
		return
	}
	ps := p.pict
	if ps.nibble < 0 {
		ps.nibble = int(v)
		return
	}
	b := byte(ps.nibble)<<4 | v
	ps.nibble = -1
	p.pictAppend(b)
}

// pictAppend adds one decoded byte within the pictures' budget.
func (p *parser) pictAppend(b byte) {
	ps := p.pict
	if ps.dropped {
		return
	}
	if p.imageBytes >= p.lim.MaxImageBytes {
		p.problem(ReasonTooLarge, fmt.Sprintf("pictures over %d bytes", p.lim.MaxImageBytes))
		ps.dropped = true
		ps.data = nil
		return
	}
	p.imageBytes++
	ps.data = append(ps.data, b)
}

// startPicture begins a \pict group.
func (p *parser) startPicture(fallback bool) {
	p.pict = &pictState{nibble: -1, fallback: fallback}
	if len(p.images) >= p.lim.MaxImages {
		p.problem(ReasonTooLarge, fmt.Sprintf("more than %d pictures", p.lim.MaxImages))
		p.pict.dropped = true
	}
}

// finishPicture ends the \pict group and hands the picture out.
func (p *parser) finishPicture() {
	ps := p.pict
	p.pict = nil
	if ps == nil || ps.dropped || len(ps.data) == 0 {
		return
	}
	p.picturesDone++
	im := Image{
		Format:   ps.format,
		Data:     ps.data,
		Width:    ps.width,
		Height:   ps.height,
		Fallback: ps.fallback,
	}
	if im.Format == "bmp" {
		if bmp, ok := dibToBMP(ps.data); ok {
			p.imageBytes += int64(len(bmp) - len(ps.data))
			im.Data = bmp
		} else {
			im.Format = "dib"
		}
	}
	p.images = append(p.images, im)
}

// dibToBMP puts a BMP file header in front of a device-independent
// bitmap (a BITMAPINFOHEADER or BITMAPCOREHEADER, its palette and its
// pixels), which is what \dibitmap holds, so that a BMP decoder reads it.
func dibToBMP(dib []byte) ([]byte, bool) {
	if len(dib) < 12 {
		return nil, false
	}
	hdr := int(binary.LittleEndian.Uint32(dib))
	var bits, colors, entry int
	switch {
	case hdr == 12:
		bits = int(binary.LittleEndian.Uint16(dib[10:]))
		entry = 3
	case hdr >= 40 && hdr <= 124 && len(dib) >= 40:
		bits = int(binary.LittleEndian.Uint16(dib[14:]))
		colors = int(binary.LittleEndian.Uint32(dib[32:]))
		entry = 4
		if hdr == 40 && binary.LittleEndian.Uint32(dib[16:]) == 3 { // BI_BITFIELDS
			hdr += 12
		}
	default:
		return nil, false
	}
	if colors == 0 && bits > 0 && bits <= 8 {
		colors = 1 << bits
	}
	if colors > 1<<16 {
		return nil, false
	}
	offset := 14 + hdr + colors*entry
	if offset > 14+len(dib) {
		return nil, false
	}
	out := make([]byte, 14, 14+len(dib))
	out[0], out[1] = 'B', 'M'
	binary.LittleEndian.PutUint32(out[2:], uint32(14+len(dib)))
	binary.LittleEndian.PutUint32(out[10:], uint32(offset))
	return append(out, dib...), true
}
