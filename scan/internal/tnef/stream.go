package tnef

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Attribute ids (the low 16 bits of an attribute's id; MS-OXTNEF 2.1.3.3).
const (
	attSubject        = 0x8004
	attMessageClass   = 0x8008
	attMessageID      = 0x8009
	attBody           = 0x800c
	attAttachData     = 0x800f
	attAttachTitle    = 0x8010
	attAttachMetaFile = 0x8011
	attAttachRendData = 0x9002
	attMsgProps       = 0x9003
	attRecipTable     = 0x9004
	attAttachment     = 0x9005
	attTnefVersion    = 0x9006
	attOemCodepage    = 0x9007
)

// Attribute types (the high 16 bits) that hold text.
const (
	atpString = 0x0001
	atpText   = 0x0002
)

// Attribute levels.
const (
	levelMessage    = 0x01
	levelAttachment = 0x02
)

// attrHeader is level (1), id (4), length (4); a checksum (2) follows
// the data.
const attrHeader = 9

// reader holds the account of one Read, embedded items included.
type reader struct {
	lim         Limits
	text        int64
	attachments int
	attrs       int
}

// message reads one TNEF stream: the top one, or an embedded item's.
func (r *reader) message(data []byte, depth int) (*Message, error) {
	b := &builder{r: r, m: &Message{}, depth: depth}
	if !IsTNEF(data) {
		b.problem("", ReasonParseError, "no TNEF signature")
		return b.m, nil
	}
	// The signature, then a legacy key (2 bytes) no reader needs.
	pos := 6
	if len(data) < pos {
		b.problem("", ReasonTruncated, "stream ends in its header")
		return b.m, nil
	}
	for pos < len(data) {
		r.attrs++
		if r.attrs%64 == 0 && r.lim.Check != nil {
			if err := r.lim.Check(); err != nil {
				return b.m, err
			}
		}
		rest := len(data) - pos
		if rest < attrHeader+2 {
			// A line break or NUL padding left by whatever cut the
			// stream out of its mail is no attribute; other bytes are
			// the start of one that was cut off.
			if len(bytes.Trim(data[pos:], "\x00\r\n\t ")) > 0 {
				b.problem("", ReasonTruncated, "stream ends inside an attribute header")
			}
			break
		}
		level := data[pos]
		id := binary.LittleEndian.Uint32(data[pos+1:])
		n := int64(binary.LittleEndian.Uint32(data[pos+5:]))
		if n > int64(rest-attrHeader-2) {
			b.problem("", ReasonTruncated, fmt.Sprintf("attribute %#08x runs past the end", id))
			break
		}
		val := data[pos+attrHeader : pos+attrHeader+int(n)]
		sum := binary.LittleEndian.Uint16(data[pos+attrHeader+int(n):])
		pos += attrHeader + int(n) + 2
		if checksum(val) != sum {
			b.problem("", ReasonBadEncoding, "attribute checksum does not match")
		}
		b.attribute(level, id, val)
	}
	return b.finish()
}

// checksum is the sum of an attribute's data bytes, modulo 65536.
func checksum(data []byte) uint16 {
	var s uint16
	for _, c := range data {
		s += uint16(c)
	}
	return s
}

// attribute takes one attribute into the message being built.
func (b *builder) attribute(level byte, id uint32, val []byte) {
	attr, typ := id&0xffff, id>>16
	switch level {
	case levelMessage:
		switch attr {
		case attOemCodepage:
			if len(val) >= 4 {
				b.oemCP = int(binary.LittleEndian.Uint32(val))
			}
		case attSubject:
			b.legacySubject = &rawText{data: val, legacy: true}
		case attBody:
			b.legacyBody = &rawText{data: val, legacy: true}
		case attMsgProps:
			b.properties(val, nil)
		case attRecipTable:
			b.recipients(val)
		case attMessageClass, attMessageID, attTnefVersion:
		default:
			if typ == atpString || typ == atpText {
				b.props = append(b.props, rawText{data: val, legacy: true})
			}
		}
	case levelAttachment:
		if attr == attAttachRendData || b.att == nil {
			// Every attachment starts with its rendering data; one that
			// does not is still an attachment.
			b.newAttachment()
		}
		a := b.att
		if a == nil {
			return // past the attachment budget, reported
		}
		switch attr {
		case attAttachRendData, attAttachMetaFile:
			// Where the icon goes, and the icon.
		case attAttachTitle:
			a.title = &rawText{data: val, legacy: true}
		case attAttachData:
			a.data, a.hasData = val, true
		case attAttachment:
			b.properties(val, a)
		default:
			if typ == atpString || typ == atpText {
				b.props = append(b.props, rawText{data: val, legacy: true})
			}
		}
	default:
		b.problem("", ReasonUnsupported, fmt.Sprintf("attribute level %d", level))
	}
}

func (b *builder) newAttachment() {
	if b.r.attachments >= b.r.lim.MaxAttachments {
		b.problem("", ReasonTooManyParts, fmt.Sprintf("more than %d attachments", b.r.lim.MaxAttachments))
		b.att = nil
		return
	}
	b.r.attachments++
	b.att = &attBuilder{}
	b.atts = append(b.atts, b.att)
}
