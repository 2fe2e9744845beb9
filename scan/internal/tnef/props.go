package tnef

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// MAPI property types (MS-OXCDATA 2.11.1).
const (
	ptInt16    = 0x0002
	ptInt32    = 0x0003
	ptFloat    = 0x0004
	ptDouble   = 0x0005
	ptCurrency = 0x0006
	ptAppTime  = 0x0007
	ptError    = 0x000a
	ptBoolean  = 0x000b
	ptObject   = 0x000d
	ptInt64    = 0x0014
	ptString8  = 0x001e
	ptString   = 0x001f
	ptTime     = 0x0040
	ptGUID     = 0x0048
	ptBinary   = 0x0102
	ptMulti    = 0x1000
)

// MAPI property ids this reader acts on.
const (
	prMessageClass      = 0x001a
	prSubject           = 0x0037
	prSenderAddrType    = 0x0c1e
	prSentReprAddrType  = 0x0064
	prRcvdByAddrType    = 0x0075
	prRcvdReprAddrType  = 0x0077
	prSenderAddrType2   = 0x4022 // Exchange's copies of the address types
	prSentReprAddrType2 = 0x4024
	prBody              = 0x1000
	prRTFSyncBodyTag    = 0x1008
	prRTFCompressed     = 0x1009
	prHTML              = 0x1013
	prInternetMessageID = 0x1035
	prInternetRefs      = 0x1039
	prInReplyTo         = 0x1042
	prDisplayName       = 0x3001
	prAddrType          = 0x3002
	prAttachDataBin     = 0x3701 // PR_ATTACH_DATA_OBJ when of type object
	prAttachFilename    = 0x3704
	prAttachMethod      = 0x3705
	prAttachLongName    = 0x3707
	prAttachMIMETag     = 0x370e
	prAttachContentID   = 0x3712
	prInternetCPID      = 0x3fde
	prMessageCodepage   = 0x3ffd
)

// Identifiers, and text derived from other text, not what a person
// wrote: left out of Properties. (The body's sync tag, PR_RTF_SYNC_BODY_TAG,
// is its first characters with the spaces taken out: numbers that stand
// apart in the body would run together there.)
var identifierProps = map[uint16]bool{
	prMessageClass: true, prInternetMessageID: true, prInternetRefs: true, prInReplyTo: true,
	prSenderAddrType: true, prSentReprAddrType: true, prRcvdByAddrType: true, prRcvdReprAddrType: true,
	prAddrType: true, prAttachContentID: true, prAttachMIMETag: true, prRTFSyncBodyTag: true,
	prSenderAddrType2: true, prSentReprAddrType2: true,
}

// prop is one property as read: its values are slices of the input.
type prop struct {
	id     uint16
	typ    uint16 // without ptMulti
	named  bool   // a named property (id >= 0x8000): its id means nothing alone
	values [][]byte
}

var errProps = errors.New("MAPI property list does not parse")

// propReader walks a property list (MS-OXTNEF 2.1.3.4), checking every
// length against the bytes left before it is used.
type propReader struct {
	data []byte
	pos  int
}

func (pr *propReader) u32() (int, error) {
	if len(pr.data)-pr.pos < 4 {
		return 0, errProps
	}
	v := binary.LittleEndian.Uint32(pr.data[pr.pos:])
	pr.pos += 4
	if v > uint32(len(pr.data)) {
		// Larger than the whole list: it cannot be right, and clamping
		// it keeps it an int on any platform; the callers' checks
		// against the bytes left reject it.
		return len(pr.data) + 1, nil
	}
	return int(v), nil
}

func (pr *propReader) take(n int) ([]byte, error) {
	if n < 0 || n > len(pr.data)-pr.pos {
		return nil, errProps
	}
	v := pr.data[pr.pos : pr.pos+n]
	pr.pos += n
	return v, nil
}

// pad skips to the next multiple of 4 after a value of n bytes.
func (pr *propReader) pad(n int) error {
	_, err := pr.take((4 - n%4) % 4)
	return err
}

// fixedSize is the size of a fixed-length value; 0 for a variable one,
// -1 for a type this reader does not know (the rest of the list cannot
// be found then).
func fixedSize(typ uint16) int {
	switch typ {
	case ptInt16, ptBoolean, ptInt32, ptFloat, ptError:
		return 4 // 2-byte values are padded to 4
	case ptDouble, ptCurrency, ptAppTime, ptInt64, ptTime:
		return 8
	case ptGUID:
		return 16
	case ptString8, ptString, ptBinary, ptObject:
		return 0
	}
	return -1
}

// list reads a count and that many properties, calling fn for each.
func (pr *propReader) list(fn func(prop)) error {
	count, err := pr.u32()
	if err != nil {
		return err
	}
	// Every property takes at least 8 bytes: a count past that is a lie.
	if count > (len(pr.data)-pr.pos)/8 {
		return fmt.Errorf("%w: %d properties in %d bytes", errProps, count, len(pr.data)-pr.pos)
	}
	for range count {
		p, err := pr.property()
		if err != nil {
			return err
		}
		fn(p)
	}
	return nil
}

func (pr *propReader) property() (prop, error) {
	var p prop
	tag, err := pr.take(4)
	if err != nil {
		return p, err
	}
	rawType := binary.LittleEndian.Uint16(tag)
	p.id = binary.LittleEndian.Uint16(tag[2:])
	p.typ = rawType &^ ptMulti
	multi := rawType&ptMulti != 0
	if p.id >= 0x8000 {
		// A named property: its GUID and name (a number, or a
		// UTF-16 string padded to 4 bytes).
		p.named = true
		if _, err := pr.take(16); err != nil {
			return p, err
		}
		kind, err := pr.u32()
		if err != nil {
			return p, err
		}
		switch kind {
		case 0:
			if _, err := pr.take(4); err != nil {
				return p, err
			}
		case 1:
			n, err := pr.u32()
			if err != nil {
				return p, err
			}
			if _, err := pr.take(n); err != nil {
				return p, err
			}
			if err := pr.pad(n); err != nil {
				return p, err
			}
		default:
			return p, fmt.Errorf("%w: named property kind %d", errProps, kind)
		}
	}
	size := fixedSize(p.typ)
	if size < 0 {
		return p, fmt.Errorf("%w: property type %#04x", errProps, p.typ)
	}
	count := 1
	if multi || size == 0 {
		// Variable-length values, and multiple values, come with a count.
		if count, err = pr.u32(); err != nil {
			return p, err
		}
		if count > (len(pr.data)-pr.pos)/4 {
			return p, fmt.Errorf("%w: %d values in %d bytes", errProps, count, len(pr.data)-pr.pos)
		}
	}
	p.values = make([][]byte, 0, count)
	for range count {
		n := size
		if size == 0 {
			if n, err = pr.u32(); err != nil {
				return p, err
			}
		}
		v, err := pr.take(n)
		if err != nil {
			return p, err
		}
		if err := pr.pad(n); err != nil {
			return p, err
		}
		p.values = append(p.values, v)
	}
	return p, nil
}

// properties reads an attMsgProps (att nil) or an attAttachment list.
func (b *builder) properties(val []byte, att *attBuilder) {
	pr := &propReader{data: val}
	err := pr.list(func(p prop) {
		if att != nil {
			b.attachmentProp(att, p)
		} else {
			b.messageProp(p)
		}
	})
	if err != nil {
		b.problem("", ReasonParseError, err.Error())
	}
}

// recipients reads attRecipTable: a count of rows, each a property list.
// Their names and addresses go to Properties.
func (b *builder) recipients(val []byte) {
	pr := &propReader{data: val}
	rows, err := pr.u32()
	if err == nil && rows > len(val)/4 {
		err = fmt.Errorf("%w: %d recipients in %d bytes", errProps, rows, len(val))
	}
	for i := 0; err == nil && i < rows; i++ {
		err = pr.list(b.otherProp)
	}
	if err != nil {
		b.problem("", ReasonParseError, "recipient table: "+err.Error())
	}
}

func (b *builder) messageProp(p prop) {
	if p.named {
		b.otherProp(p)
		return
	}
	switch p.id {
	case prSubject:
		if t := textOf(p); t != nil {
			b.subject = t
			return
		}
	case prBody:
		if t := textOf(p); t != nil {
			b.body = t
			return
		}
	case prRTFCompressed:
		if p.typ == ptBinary && len(p.values) > 0 {
			b.rtf = p.values[0]
			return
		}
	case prHTML:
		if len(p.values) > 0 {
			switch p.typ {
			case ptBinary, ptString8:
				b.html = p.values[0]
				return
			case ptString:
				b.htmlUnicode = &rawText{data: p.values[0], unicode: true}
				return
			}
		}
	case prMessageCodepage:
		if p.typ == ptInt32 && len(p.values) > 0 {
			b.msgCP = int(binary.LittleEndian.Uint32(p.values[0]))
			return
		}
	case prInternetCPID:
		if p.typ == ptInt32 && len(p.values) > 0 {
			b.internetCP = int(binary.LittleEndian.Uint32(p.values[0]))
			return
		}
	}
	b.otherProp(p)
}

func (b *builder) attachmentProp(a *attBuilder, p prop) {
	if p.named {
		b.otherProp(p)
		return
	}
	switch p.id {
	case prAttachLongName:
		a.longName = textOf(p)
	case prAttachFilename:
		a.shortName = textOf(p)
	case prDisplayName:
		a.displayName = textOf(p)
	case prAttachMIMETag:
		a.mime = textOf(p)
	case prAttachMethod:
		if p.typ == ptInt32 && len(p.values) > 0 {
			a.method = int(binary.LittleEndian.Uint32(p.values[0]))
		}
	case prAttachDataBin:
		if len(p.values) == 0 {
			return
		}
		switch p.typ {
		case ptBinary:
			a.mapiData, a.hasMapiData = p.values[0], true
		case ptObject:
			a.object, a.hasObject = p.values[0], true
		}
	default:
		b.otherProp(p)
	}
}

// otherProp keeps a string property's values for Properties.
func (b *builder) otherProp(p prop) {
	if (p.typ != ptString8 && p.typ != ptString) || (!p.named && identifierProps[p.id]) {
		return
	}
	for _, v := range p.values {
		if isX500(v, p.typ == ptString) {
			continue // an Exchange address: "/O=ORG/OU=.../CN=<hex id>"
		}
		b.props = append(b.props, rawText{data: v, unicode: p.typ == ptString})
	}
}

// textOf is a string property's first value, nil for another type.
func textOf(p prop) *rawText {
	if len(p.values) == 0 || (p.typ != ptString8 && p.typ != ptString) {
		return nil
	}
	return &rawText{data: p.values[0], unicode: p.typ == ptString}
}

// isX500 reports an Exchange (X.500) address, which names a mailbox by
// organisation and a hex id, in either string form.
func isX500(v []byte, unicode bool) bool {
	prefix := []byte("/O=")
	if unicode {
		prefix = []byte{'/', 0, 'O', 0, '=', 0}
	}
	return len(v) >= len(prefix) && string(v[:len(prefix)]) == string(prefix)
}
