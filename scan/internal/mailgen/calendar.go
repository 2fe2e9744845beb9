package mailgen

import (
	"fmt"
	"strings"
)

// calendarText escapes a text value (RFC 5545 3.3.11, vCard likewise).
func calendarText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(s)
}

// fold writes a content line folded at 75 octets (RFC 5545 3.1), never
// inside a UTF-8 sequence, and once more inside each number, where a
// reader that does not unfold would lose it.
func (g *Generator) fold(name string, ps []piece) []piece {
	out := []piece{{s: name}}
	width := len(name)
	for _, p := range ps {
		var b strings.Builder
		rs := []rune(p.s)
		force := -1
		if p.split && len(rs) > 1 {
			force = 1 + g.r.IntN(len(rs)-1)
		}
		for i, r := range rs {
			n := len(string(r))
			if width+n > 75 || i == force {
				b.WriteString("\n ")
				width = 1
			}
			b.WriteRune(r)
			width += n
		}
		out = append(out, piece{s: b.String(), split: p.split})
	}
	return append(out, piece{s: "\n"})
}

// escaped returns ps with calendar escapes applied to each piece.
func escaped(ps []piece) []piece {
	out := make([]piece, len(ps))
	for i, p := range ps {
		out[i] = piece{s: calendarText(p.s), split: p.split}
	}
	return out
}

// icsPieces is an invitation whose description holds the sentences.
func (g *Generator) icsPieces(sentences [][]piece) []piece {
	var desc []piece
	for i, s := range sentences {
		if i > 0 {
			desc = append(desc, piece{s: "\n"})
		}
		desc = append(desc, s...)
	}
	ps := []piece{{s: "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Example Corp//Calendar//EN\nMETHOD:REQUEST\nBEGIN:VEVENT\n" +
		fmt.Sprintf("DTSTART:%sT%02d0000Z\n", g.stamp()[:8], 8+g.r.IntN(9)) +
		"SUMMARY:Call about my account\n"}}
	ps = append(ps, g.fold("DESCRIPTION:", escaped(desc))...)
	return append(ps, piece{s: "END:VEVENT\nEND:VCALENDAR\n"})
}

// vcfPieces is a contact card with the sentences in its note: vCard 3.0
// folded, or vCard 2.1 with a quoted-printable note and soft breaks.
func (g *Generator) vcfPieces(name string, sentences [][]piece) []piece {
	var note []piece
	for i, s := range sentences {
		if i > 0 {
			note = append(note, piece{s: " "})
		}
		note = append(note, s...)
	}
	if g.r.IntN(2) == 0 {
		ps := []piece{{s: "BEGIN:VCARD\nVERSION:3.0\nFN:" + calendarText(name) + "\n"}}
		ps = append(ps, g.fold("NOTE:", escaped(note))...)
		return append(ps, piece{s: "END:VCARD\n"})
	}
	// vCard 2.1: the note's UTF-8 bytes quoted-printable, with a soft
	// break ("=" at the end of a line) inside each number.
	var enc encodedText
	for _, p := range note {
		if p.split {
			enc.spans = append(enc.spans, [2]int{len(enc.b), len(enc.b) + len(p.s)})
		}
		enc.b = append(enc.b, p.s...)
	}
	qp := g.encodeTransfer(transfer{name: "quoted-printable", forceBreak: true, qpSpaces: true}, enc)
	return []piece{
		{s: "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8:" + name + "\n"},
		{s: "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:" + strings.ReplaceAll(string(qp), "\r\n", "\n") + "\n", split: true},
		{s: "END:VCARD\n"},
	}
}
