package scan

import "bytes"

// preambleEpilogue returns the text of a multipart body before its first
// delimiter line and after its close delimiter (RFC 2046 section 5.1.1).
// MIME readers hide both; a client that does not read MIME shows them.
func preambleEpilogue(body []byte, boundary string) (pre, epi []byte) {
	delim := []byte("--" + boundary)
	first := delimiterAt(body, delim, 0)
	if first < 0 {
		return nil, nil
	}
	pre = body[:first]
	closing := append(delim, '-', '-')
	if c := delimiterAt(body, closing, first); c >= 0 {
		epi = body[c+len(closing):]
	}
	return pre, epi
}

// delimiterAt finds delim at the start of a line, at or after from.
func delimiterAt(body, delim []byte, from int) int {
	for i := from; i <= len(body)-len(delim); {
		j := bytes.Index(body[i:], delim)
		if j < 0 {
			return -1
		}
		at := i + j
		if at == 0 || body[at-1] == '\n' {
			return at
		}
		i = at + 1
	}
	return -1
}
