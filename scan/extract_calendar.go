package scan

import (
	"strings"
)

// unfoldCalendar undoes RFC 5545 3.1 / RFC 6350 3.2 line folding (a line
// break followed by one space or tab is removed) and the text escapes of
// RFC 5545 3.3.11 / RFC 6350 3.4 (\n \N \, \; \\), so a number folded
// across lines or written with escapes is whole again. vCard 2.1 values
// marked QUOTED-PRINTABLE have their soft line breaks joined and are decoded.
func unfoldCalendar(text string) string {
	var out strings.Builder
	out.Grow(len(text))
	for len(text) > 0 {
		line, rest := cutLogicalLine(text)
		text = rest
		if isQuotedPrintableProperty(line) {
			for strings.HasSuffix(strings.TrimRight(line, "\r\n"), "=") && text != "" {
				// vCard 2.1: "=" at the end of a line is a soft break.
				next, rest := cutLogicalLine(text)
				line = strings.TrimSuffix(strings.TrimRight(line, "\r\n"), "=") + next
				text = rest
			}
			writeCalendarLine(&out, decodeQuotedPrintableLine(line))
			continue
		}
		writeCalendarLine(&out, line)
	}
	return out.String()
}

// cutLogicalLine returns one unfolded content line, with its line ending.
func cutLogicalLine(text string) (line, rest string) {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			b.WriteString(text)
			return b.String(), ""
		}
		end := i
		if end > 0 && text[end-1] == '\r' {
			end--
		}
		if i+1 < len(text) && (text[i+1] == ' ' || text[i+1] == '\t') {
			b.WriteString(text[:end]) // fold: drop the break and one blank
			text = text[i+2:]
			continue
		}
		b.WriteString(text[:i+1])
		return b.String(), text[i+1:]
	}
}

// writeCalendarLine writes a line with its value escapes undone.
func writeCalendarLine(out *strings.Builder, line string) {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != '\\' || i+1 >= len(line) {
			out.WriteByte(c)
			continue
		}
		switch line[i+1] {
		case 'n', 'N':
			out.WriteByte('\n')
		case ',', ';', '\\', ':', '"':
			out.WriteByte(line[i+1])
		default:
			out.WriteByte(c)
			continue
		}
		i++
	}
}

// isQuotedPrintableProperty reports a vCard 2.1 property whose parameters
// say ENCODING=QUOTED-PRINTABLE (or the bare QUOTED-PRINTABLE).
func isQuotedPrintableProperty(line string) bool {
	name, _, ok := strings.Cut(line, ":")
	if !ok || len(name) > 256 {
		return false
	}
	return strings.Contains(strings.ToUpper(name), "QUOTED-PRINTABLE")
}

// decodeQuotedPrintableLine decodes =XX in the value of a property line;
// malformed escapes are kept as they are (the text is still scanned).
func decodeQuotedPrintableLine(line string) string {
	name, value, _ := strings.Cut(line, ":")
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte(':')
	for i := 0; i < len(value); i++ {
		if value[i] == '=' && i+2 < len(value) && isHex(value[i+1]) && isHex(value[i+2]) {
			b.WriteByte(unhexByte(value[i+1])<<4 | unhexByte(value[i+2]))
			i += 2
			continue
		}
		b.WriteByte(value[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhexByte(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}
