package scan

import "bytes"

// unflow joins the lines of format=flowed text (RFC 3676) as a client
// that reads it shows them: a line ending in a space is continued by the
// next one of the same quote depth, and with DelSp=yes that space is the
// sender's, not the member's, and goes (section 4.2). Clients that break
// CJK text, which has no spaces, use DelSp=yes and may break between any
// two digits of a number.
func unflow(text []byte, delSp bool) []byte {
	out := make([]byte, 0, len(text))
	var para []byte
	depth, open := 0, false
	end := func() {
		if !open {
			return
		}
		for range depth {
			out = append(out, '>')
		}
		if depth > 0 {
			out = append(out, ' ')
		}
		out = append(out, para...)
		out = append(out, '\n')
		para, open = para[:0], false
	}
	lines := bytes.Split(text, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		line = bytes.TrimSuffix(line, []byte("\r"))
		d := 0
		for d < len(line) && line[d] == '>' {
			d++
		}
		content := line[d:]
		if len(content) > 0 && content[0] == ' ' {
			content = content[1:] // space-stuffing (section 4.4)
		}
		if open && d != depth {
			end() // a change of quote depth ends a paragraph (section 4.5)
		}
		depth, open = d, true
		// The signature separator "-- " is never flowed (section 4.3).
		flowed := len(content) > 0 && content[len(content)-1] == ' ' && string(content) != "-- "
		if flowed && delSp {
			content = content[:len(content)-1]
		}
		para = append(para, content...)
		if !flowed {
			end()
		}
	}
	end()
	return out
}
