package tnef

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/intake-mail/intake/scan/internal/rtf"
)

// rawText is a string as found in the stream, decoded once the whole
// stream has said which code page its 8-bit strings are in (the code
// page property may come after them).
type rawText struct {
	data    []byte
	unicode bool // UTF-16LE (PtypString); else 8-bit in a code page
	legacy  bool // a TNEF attribute: in the OEM code page
}

// builder collects one message while its stream is read.
type builder struct {
	r     *reader
	m     *Message
	depth int

	oemCP, msgCP, internetCP int

	subject, legacySubject *rawText
	body, legacyBody       *rawText
	rtf                    []byte
	html                   []byte
	htmlUnicode            *rawText
	props                  []rawText

	atts []*attBuilder
	att  *attBuilder // the one attachment attributes go to

	reported map[Problem]bool
}

type attBuilder struct {
	title, longName, shortName, displayName, mime *rawText

	data        []byte // attAttachData
	hasData     bool
	mapiData    []byte // PR_ATTACH_DATA_BIN
	hasMapiData bool
	object      []byte // PR_ATTACH_DATA_OBJ: an IID, then the object
	hasObject   bool
	method      int
}

// Attachment methods (PR_ATTACH_METHOD).
const attachEmbeddedMsg = 5

// IID_IMessage, as its bytes are stored: an embedded Outlook item.
var iidMessage = []byte{0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

func (b *builder) problem(where, reason, detail string) {
	p := Problem{Where: where, Reason: reason, Detail: detail}
	if b.reported == nil {
		b.reported = map[Problem]bool{}
	}
	if b.reported[p] || len(b.m.Problems) >= 64 {
		return
	}
	b.reported[p] = true
	b.m.Problems = append(b.m.Problems, p)
}

// decode turns a string into UTF-8 within the text budget; "" when over.
func (b *builder) decode(t *rawText) string {
	if t == nil {
		return ""
	}
	var s string
	if t.unicode {
		data := t.data[:len(t.data)&^1]
		u := make([]uint16, len(data)/2)
		for i := range u {
			u[i] = uint16(data[2*i]) | uint16(data[2*i+1])<<8
		}
		s = string(utf16.Decode(u))
	} else {
		cp := b.msgCP
		if t.legacy || cp == 0 {
			cp = b.oemCP
		}
		if cp == 0 {
			cp = 1252
		}
		var ok bool
		if s, ok = rtf.DecodeCodePage(cp, t.data); !ok {
			b.problem("", ReasonUnknownCharset, fmt.Sprintf("code page %d", cp))
		}
	}
	s = strings.TrimRight(s, "\x00")
	b.r.text += int64(len(s))
	if b.r.text > b.r.lim.MaxText {
		b.problem("", ReasonTooLarge, fmt.Sprintf("more than %d bytes of text", b.r.lim.MaxText))
		return ""
	}
	return s
}

// finish decodes what the stream held into the message.
func (b *builder) finish() (*Message, error) {
	m := b.m
	m.Subject = b.decode(first(b.subject, b.legacySubject))
	m.Body = b.decode(first(b.body, b.legacyBody))
	var props []string
	if b.body != nil && b.legacyBody != nil {
		// Both bodies: they should say the same; if they do not, the
		// legacy one is read too.
		if legacy := b.decode(b.legacyBody); normalizeBody(legacy) != normalizeBody(m.Body) {
			props = append(props, legacy)
		}
	}
	if b.subject != nil && b.legacySubject != nil {
		if legacy := b.decode(b.legacySubject); legacy != m.Subject {
			props = append(props, legacy)
		}
	}
	switch {
	case b.htmlUnicode != nil:
		m.HTML = []byte(b.decode(b.htmlUnicode))
		m.HTMLCharset = "utf-8"
	case b.html != nil:
		m.HTML = b.html
		cp := b.internetCP
		if cp == 0 {
			cp = b.msgCP
		}
		m.HTMLCharset = charsetName(cp)
	}
	if b.rtf != nil {
		if err := b.readRTF(); err != nil {
			return m, err
		}
	}
	for i, a := range b.atts {
		if err := b.attachment(i+1, a, &props); err != nil {
			return m, err
		}
	}
	for i := range b.props {
		if s := b.decode(&b.props[i]); strings.TrimSpace(s) != "" {
			props = append(props, s)
		}
	}
	m.Properties = strings.Join(props, "\n")
	return m, nil
}

func first(a, b *rawText) *rawText {
	if a != nil {
		return a
	}
	return b
}

// normalizeBody lets a legacy body that differs only in line ends and
// trailing space count as the same.
func normalizeBody(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// readRTF decompresses the RTF body and reads its text.
func (b *builder) readRTF() error {
	raw, reason, detail := decompressRTF(b.rtf, b.r.lim.MaxRTF)
	if reason != "" {
		b.problem("body.rtf", reason, detail)
	}
	if len(raw) == 0 {
		return nil
	}
	res, err := rtf.Extract(raw, b.r.lim.RTF)
	b.m.RTF = res
	return err
}

// attachment turns the i-th attachment's attributes into an Attachment.
func (b *builder) attachment(i int, a *attBuilder, props *[]string) error {
	name := ""
	for _, t := range []*rawText{a.longName, a.shortName, a.title, a.displayName} {
		if name = sanitizeName(b.decode(t)); name != "" {
			break
		}
	}
	if name == "" {
		name = fmt.Sprintf("attachment-%d", i)
	}
	out := Attachment{Name: name, MediaType: strings.TrimSpace(b.decode(a.mime))}

	switch {
	case a.hasObject && (a.method == attachEmbeddedMsg || bytes.HasPrefix(a.object, iidMessage)):
		if len(a.object) < len(iidMessage) {
			b.problem(name, ReasonTruncated, "embedded item shorter than its IID")
			return nil
		}
		if b.depth+1 > b.r.lim.MaxDepth {
			b.problem(name, ReasonTooDeep, fmt.Sprintf("items embedded deeper than %d", b.r.lim.MaxDepth))
			return nil
		}
		sub, err := b.r.message(a.object[len(iidMessage):], b.depth+1)
		out.Message = sub
		b.m.Attachments = append(b.m.Attachments, out)
		return err
	case a.hasObject:
		// An OLE object (ATTACH_OLE): its storage, after the IID, for
		// the caller to recognise (and report) by its bytes.
		if len(a.object) >= 16 {
			out.Data = a.object[16:]
		}
	case a.hasData:
		out.Data = a.data
	case a.hasMapiData:
		out.Data = a.mapiData
	default:
		// By reference, or empty: nothing to read but its name.
		*props = append(*props, name)
		return nil
	}
	b.m.Attachments = append(b.m.Attachments, out)
	if a.hasData && a.hasMapiData && !bytes.Equal(a.data, a.mapiData) {
		// Two copies that differ: a reader may show either, so both
		// are read.
		b.m.Attachments = append(b.m.Attachments, Attachment{Name: name + " (MAPI copy)", MediaType: out.MediaType, Data: a.mapiData})
	}
	return nil
}

// charsetName is the IANA name of a Windows code page, "" when unknown.
func charsetName(cp int) string {
	switch cp {
	case 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258:
		return fmt.Sprintf("windows-%d", cp)
	case 874:
		return "windows-874"
	case 932:
		return "shift_jis"
	case 936:
		return "gbk"
	case 949:
		return "euc-kr"
	case 950:
		return "big5"
	case 20127:
		return "us-ascii"
	case 20866:
		return "koi8-r"
	case 21866:
		return "koi8-u"
	case 50220, 50221, 50222:
		return "iso-2022-jp"
	case 51932:
		return "euc-jp"
	case 52936:
		return "hz-gb-2312"
	case 54936:
		return "gb18030"
	case 65000:
		return "utf-7"
	case 65001:
		return "utf-8"
	case 1200:
		return "utf-16le"
	case 1201:
		return "utf-16be"
	}
	if cp >= 28591 && cp <= 28599 {
		return fmt.Sprintf("iso-8859-%d", cp-28590)
	}
	if cp == 28603 || cp == 28605 {
		return fmt.Sprintf("iso-8859-%d", cp-28590)
	}
	return ""
}
