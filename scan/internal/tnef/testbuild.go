package tnef

import (
	"encoding/binary"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// This file writes TNEF the way Outlook and Exchange do, for this
// package's tests and for the message generator (scan/internal/mailgen):
// Build for a winmail.dat, CompressRTF for a PR_RTF_COMPRESSED value.

// BuildMessage is a message to write as a TNEF stream.
type BuildMessage struct {
	Subject     string
	Body        string   // PR_BODY, as Unicode
	LegacyBody  string   // attBody, 8-bit in CodePage
	RTF         []byte   // PR_RTF_COMPRESSED: RTF, compressed here (LZFu)
	RTFStored   bool     // store the RTF uncompressed ("MELA") instead
	HTML        []byte   // PR_HTML, with PR_INTERNET_CPID = CodePage
	CodePage    int      // code page of the 8-bit strings: 1252 (default) or 932
	Recipients  []string // display names in the recipient table
	Attachments []BuildAttachment
}

// BuildAttachment is an attachment of a BuildMessage.
type BuildAttachment struct {
	Name      string // PR_ATTACH_LONG_FILENAME; attAttachTitle gets an 8.3 form
	MediaType string // PR_ATTACH_MIME_TAG
	Data      []byte
	Message   *BuildMessage // an embedded Outlook item instead of Data
}

// Build writes m as Outlook writes winmail.dat: version, code page and
// class, the message's MAPI properties, then each attachment's rendering,
// title, data and properties, every attribute with its checksum.
func Build(m BuildMessage) []byte {
	cp := m.CodePage
	if cp == 0 {
		cp = 1252
	}
	w := &tnefWriter{}
	w.u32(signature)
	w.u16(0x0001) // legacy key
	w.attr(levelMessage, 0x0008_0000|attTnefVersion, le32(0x00010000))
	w.attr(levelMessage, 0x0006_0000|attOemCodepage, append(le32(uint32(cp)), le32(0)...))
	w.attr(levelMessage, 0x0007_0000|attMessageClass, []byte("IPM.Microsoft Mail.Note\x00"))
	if m.Subject != "" {
		w.attr(levelMessage, atpString<<16|attSubject, encode8(cp, m.Subject+"\x00"))
	}
	if m.LegacyBody != "" {
		w.attr(levelMessage, atpText<<16|attBody, encode8(cp, m.LegacyBody))
	}
	if len(m.Recipients) > 0 {
		var t []byte
		t = append(t, le32(uint32(len(m.Recipients)))...)
		for _, r := range m.Recipients {
			var row propWriter
			row.unicode(prDisplayName, r)
			row.string8(prAddrType, "SMTP")
			t = append(t, row.bytes()...)
		}
		w.attr(levelMessage, 0x0006_0000|attRecipTable, t)
	}

	var props propWriter
	if m.Subject != "" {
		props.unicode(prSubject, m.Subject)
	}
	props.int32(prMessageCodepage, uint32(cp))
	if m.Body != "" {
		props.unicode(prBody, m.Body)
	}
	if m.RTF != nil {
		if m.RTFStored {
			props.binary(prRTFCompressed, StoreRTF(m.RTF))
		} else {
			props.binary(prRTFCompressed, CompressRTF(m.RTF))
		}
	}
	if m.HTML != nil {
		props.int32(prInternetCPID, uint32(cp))
		props.binary(prHTML, m.HTML)
	}
	w.attr(levelMessage, 0x0006_0000|attMsgProps, props.bytes())

	for _, a := range m.Attachments {
		// attAttachRendData: type (1: file), position (-1), width,
		// height, flags.
		rend := []byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}
		w.attr(levelAttachment, 0x0006_0000|attAttachRendData, rend)
		var ap propWriter
		if a.Message != nil {
			ap.int32(prAttachMethod, attachEmbeddedMsg)
			ap.unicode(prDisplayName, a.Name)
			ap.object(prAttachDataBin, iidMessage, Build(*a.Message))
		} else {
			w.attr(levelAttachment, atpString<<16|attAttachTitle, encode8(cp, shortName(a.Name)+"\x00"))
			w.attr(levelAttachment, 0x0006_0000|attAttachData, a.Data)
			ap.int32(prAttachMethod, 1)
			ap.unicode(prAttachLongName, a.Name)
			ap.unicode(prDisplayName, a.Name)
			if a.MediaType != "" {
				ap.string8(prAttachMIMETag, a.MediaType)
			}
		}
		w.attr(levelAttachment, 0x0006_0000|attAttachment, ap.bytes())
	}
	return w.b
}

// shortName is a name in the 8.3 form Outlook puts in attAttachTitle.
func shortName(name string) string {
	base, ext := name, ""
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			base, ext = name[:i], name[i:]
			break
		}
	}
	if len(base) > 8 {
		base = base[:6] + "~1"
	}
	if len(ext) > 4 {
		ext = ext[:4]
	}
	return base + ext
}

func encode8(cp int, s string) []byte {
	var enc encoding.Encoding = charmap.Windows1252
	if cp == 932 {
		enc = japanese.ShiftJIS
	}
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		return []byte(s)
	}
	return b
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

type tnefWriter struct{ b []byte }

func (w *tnefWriter) u16(v uint16) { w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *tnefWriter) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }

func (w *tnefWriter) attr(level byte, id uint32, data []byte) {
	w.b = append(w.b, level)
	w.u32(id)
	w.u32(uint32(len(data)))
	w.b = append(w.b, data...)
	w.u16(checksum(data))
}

// propWriter writes a MAPI property list.
type propWriter struct {
	n int
	b []byte
}

func (p *propWriter) bytes() []byte { return append(le32(uint32(p.n)), p.b...) }

func (p *propWriter) tag(typ, id uint16) {
	p.n++
	p.b = binary.LittleEndian.AppendUint16(p.b, typ)
	p.b = binary.LittleEndian.AppendUint16(p.b, id)
}

func (p *propWriter) value(v []byte) {
	p.b = append(p.b, le32(1)...)
	p.b = append(p.b, le32(uint32(len(v)))...)
	p.b = append(p.b, v...)
	for n := len(v); n%4 != 0; n++ {
		p.b = append(p.b, 0)
	}
}

func (p *propWriter) int32(id uint16, v uint32) {
	p.tag(ptInt32, id)
	p.b = append(p.b, le32(v)...)
}

func (p *propWriter) unicode(id uint16, s string) {
	p.tag(ptString, id)
	var v []byte
	for _, u := range utf16.Encode([]rune(s + "\x00")) {
		v = binary.LittleEndian.AppendUint16(v, u)
	}
	p.value(v)
}

func (p *propWriter) string8(id uint16, s string) {
	p.tag(ptString8, id)
	p.value([]byte(s + "\x00"))
}

func (p *propWriter) binary(id uint16, v []byte) {
	p.tag(ptBinary, id)
	p.value(v)
}

func (p *propWriter) object(id uint16, iid, v []byte) {
	p.tag(ptObject, id)
	p.value(append(append([]byte{}, iid...), v...))
}

// CompressRTF compresses RTF as PR_RTF_COMPRESSED (MS-OXRTFCP, "LZFu"),
// greedily taking the longest match in the dictionary, with the end
// marker and the CRC.
func CompressRTF(raw []byte) []byte {
	var dict [dictSize]byte
	copy(dict[:], dictPrefill)
	wp, filled := len(dictPrefill), len(dictPrefill)
	var body []byte
	ended := false
	for i := 0; !ended; {
		flagAt := len(body)
		body = append(body, 0)
		for bit := 0; bit < 8; bit++ {
			if i >= len(raw) {
				body[flagAt] |= 1 << bit
				body = binary.BigEndian.AppendUint16(body, uint16(wp)<<4)
				ended = true
				break
			}
			off, n := longestMatch(&dict, wp, filled, raw[i:])
			if n < 2 {
				n = 1
				body = append(body, raw[i])
			} else {
				body[flagAt] |= 1 << bit
				body = binary.BigEndian.AppendUint16(body, uint16(off)<<4|uint16(n-2))
			}
			for k := range n {
				dict[wp] = raw[i+k]
				wp = (wp + 1) & (dictSize - 1)
			}
			filled = min(dictSize, filled+n)
			i += n
		}
	}
	out := le32(uint32(len(body) + 12))
	out = append(out, le32(uint32(len(raw)))...)
	out = append(out, le32(compressedMagic)...)
	out = append(out, le32(rtfCRC(body))...)
	return append(out, body...)
}

// longestMatch finds the longest run (2 to 17 bytes) of rest that a
// reference into the dictionary reproduces, copying byte by byte as the
// decompressor does (a match may run into the bytes it writes).
func longestMatch(dict *[dictSize]byte, wp, filled int, rest []byte) (off, n int) {
	limit := min(17, len(rest))
	if limit < 2 {
		return 0, 0
	}
	for o := range dictSize {
		if o == wp || (filled < dictSize && o >= filled) || dict[o] != rest[0] {
			continue
		}
		k := 0
		for ; k < limit; k++ {
			src := (o + k) & (dictSize - 1)
			var c byte
			if w := (src - wp) & (dictSize - 1); w < k {
				c = rest[w] // written earlier in this same copy
			} else if filled < dictSize && src >= filled {
				break
			} else {
				c = dict[src]
			}
			if c != rest[k] {
				break
			}
		}
		if k > n {
			off, n = o, k
			if n == limit {
				break
			}
		}
	}
	return off, n
}

// StoreRTF stores RTF uncompressed as PR_RTF_COMPRESSED ("MELA").
func StoreRTF(raw []byte) []byte {
	out := le32(uint32(len(raw) + 12))
	out = append(out, le32(uint32(len(raw)))...)
	out = append(out, le32(uncompressedMagic)...)
	out = append(out, le32(0)...)
	return append(out, raw...)
}
