package gateway

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
)

// RFC 5321 4.5.1 and 4.1.1.3: "RCPT TO:<Postmaster>" without a domain MUST
// be accepted. go-smtp's parser wants local@domain and answers 501 before
// the session sees the command, so the connection gives go-smtp
// "<Postmaster@postmaster.invalid>" instead, and the session reads that
// back as the bare postmaster (the default queue). ".invalid" (RFC 2606)
// is no domain anyone has; a client that writes the rewritten form itself
// reaches the postmaster too, which it may.
const barePostmasterDomain = "postmaster.invalid"

// barePostmaster reports whether rcpt, as go-smtp passes it, is the bare
// postmaster, and returns the local part as the client wrote it.
func barePostmaster(rcpt string) (string, bool) {
	local, domain, ok := strings.Cut(rcpt, "@")
	if !ok || !strings.EqualFold(domain, barePostmasterDomain) || !strings.EqualFold(local, "postmaster") {
		return "", false
	}
	return local, true
}

// Where the client's bytes are, as go-smtp will read them.
type streamMode int

const (
	modeCommand streamMode = iota // command lines
	modePending                   // after a DATA line: data if go-smtp answered 354
	modeData                      // DATA content up to CRLF.CRLF
	modeChunk                     // BDAT content, a counted number of bytes
	modeLost                      // no longer followed (STARTTLS, a client that does not wait): bytes pass as they are
)

const (
	maxHeldPrefix = 512  // a possible bare-postmaster RCPT is held this long at most
	maxTrackLine  = 8192 // past go-smtp's line limit it closes the connection anyway
)

// postmasterRewriter sits between the socket and go-smtp and rewrites
// "RCPT TO:<postmaster>" command lines, and nothing else. Rewriting
// changes lengths, so it must know exactly where go-smtp is: a line
// rewritten inside a BDAT chunk would shift go-smtp's chunk framing and
// turn message bytes into commands. It follows go-smtp's own reading:
// command lines split at LF, DATA content ended as go-smtp's dataReader
// ends it (only after go-smtp answered 354), BDAT chunks counted as
// handleBdat counts them. Wherever it cannot be sure (after STARTTLS,
// which makes the rest ciphertext; a client that sends past DATA without
// waiting for 354) it stops rewriting for the rest of the connection.
type postmasterRewriter struct {
	mode      streamMode
	line      []byte // the current command line so far
	held      int    // bytes at the start of line not yet passed on
	chunkLeft uint64
	dataState int
	// saw354: go-smtp answered 354 since the last DATA line (set from
	// the writing side).
	saw354 atomic.Bool

	in  [4096]byte
	out []byte
	err error
}

// read fills b from src through the rewriter.
func (p *postmasterRewriter) read(src io.Reader, b []byte) (int, error) {
	for len(p.out) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.mode == modeLost && p.held == 0 {
			return src.Read(b)
		}
		n, err := src.Read(p.in[:])
		p.out = p.feed(p.in[:n], p.out[:0])
		if err != nil {
			// Whatever was held goes on; go-smtp sees the error next.
			p.out = append(p.out, p.line[:p.held]...)
			p.held = 0
			p.err = err
		}
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	return n, nil
}

// wrote is told every reply go-smtp writes: a 354 while pending means
// the DATA line was accepted and content follows.
func (p *postmasterRewriter) wrote(b []byte) {
	if bytes.HasPrefix(b, []byte("354")) {
		p.saw354.Store(true)
	}
}

// feed passes in to out, rewritten, holding back the start of a command
// line that may still become a bare-postmaster RCPT.
func (p *postmasterRewriter) feed(in, out []byte) []byte {
	if p.mode == modePending {
		// go-smtp asks for more only once it has handled the DATA line.
		if p.saw354.Load() {
			p.mode, p.dataState = modeData, dataBeginLine
		} else {
			p.mode = modeCommand
		}
	}
	for len(in) > 0 {
		switch p.mode {
		case modeLost, modePending:
			// Pending here means bytes came after DATA before its reply.
			p.mode = modeLost
			return append(out, in...)
		case modeChunk:
			n := uint64(len(in))
			if n > p.chunkLeft {
				n = p.chunkLeft
			}
			out = append(out, in[:n]...)
			in = in[n:]
			if p.chunkLeft -= n; p.chunkLeft == 0 {
				p.mode = modeCommand
			}
		case modeData:
			i := 0
			for i < len(in) && p.dataState != dataEOF {
				if p.dataState == dataMid {
					// Inside a line only a CR can change the state.
					j := bytes.IndexByte(in[i:], '\r')
					if j < 0 {
						i = len(in)
						break
					}
					i += j
				}
				p.dataState = nextDataState(p.dataState, in[i])
				i++
			}
			out = append(out, in[:i]...)
			in = in[i:]
			if p.dataState == dataEOF {
				p.mode = modeCommand
			}
		case modeCommand:
			var consumed int
			out, consumed = p.commandBytes(in, out)
			in = in[consumed:]
		}
	}
	return out
}

// commandBytes takes command-line bytes from in up to the end of the
// current line and returns how many it took.
func (p *postmasterRewriter) commandBytes(in, out []byte) ([]byte, int) {
	end := bytes.IndexByte(in, '\n')
	take := in
	if end >= 0 {
		take = in[:end+1]
	}
	if len(p.line)+len(take) > maxTrackLine {
		// go-smtp ends the connection over a line this long.
		out = append(out, p.line[:p.held]...)
		p.held = 0
		p.mode = modeLost
		return append(out, take...), len(take)
	}
	start := len(p.line)
	p.line = append(p.line, take...)
	if p.held == start {
		// Everything so far is held: is it still a possible match?
		switch st, at := matchBarePostmaster(p.line); st {
		case prefixMore:
			if len(p.line) <= maxHeldPrefix {
				p.held = len(p.line)
				break
			}
			fallthrough
		case prefixNo:
			out = append(out, p.line...)
			p.held = 0
		case prefixMatch:
			out = append(out, p.line[:at]...)
			out = append(out, '@')
			out = append(out, barePostmasterDomain...)
			out = append(out, p.line[at:]...)
			p.held = 0
		}
	} else {
		out = append(out, take...)
	}
	if end < 0 {
		return out, len(take)
	}
	// A whole line: it may change what follows.
	p.command(p.line)
	p.line, p.held = p.line[:0], 0
	if p.mode == modePending && len(take) < len(in) {
		// Content sent before the 354 (RFC 2920 3.1 forbids it): go-smtp
		// may read it as data or as commands; we cannot know which.
		p.mode = modeLost
	}
	return out, len(take)
}

// command sees a whole command line as go-smtp's parseCmd does.
func (p *postmasterRewriter) command(l []byte) {
	line := strings.TrimRight(string(l), "\r\n")
	upper := strings.ToUpper(line)
	switch {
	case strings.HasPrefix(upper, "STARTTLS"):
		p.mode = modeLost
	case upper == "DATA" || (len(line) > 5 && line[4] == ' ' && upper[:4] == "DATA"):
		p.mode = modePending
		p.saw354.Store(false)
	case len(line) > 5 && line[4] == ' ' && upper[:4] == "BDAT":
		// handleBdat: the chunk follows whenever the size parses.
		args := strings.Fields(strings.TrimSpace(line[5:]))
		if len(args) == 0 || len(args) > 2 || (len(args) == 2 && !strings.EqualFold(args[1], "LAST")) {
			return
		}
		size, err := strconv.ParseUint(args[0], 10, 32)
		if err != nil {
			return
		}
		if size > 0 {
			p.mode, p.chunkLeft = modeChunk, size
		}
	}
}

const (
	prefixMore = iota
	prefixNo
	prefixMatch
)

// matchBarePostmaster matches the start of a command line against
// "RCPT TO:<postmaster>" as go-smtp reads it (one space after the verb,
// blanks around "TO:", any case). On a match, at is the index of the '>'.
func matchBarePostmaster(l []byte) (status, at int) {
	i := 0
	lit := func(s string) int {
		for j := 0; j < len(s); j++ {
			if i >= len(l) {
				return prefixMore
			}
			c := l[i]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c != s[j] {
				return prefixNo
			}
			i++
		}
		return -1
	}
	blanks := func() bool {
		for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
			i++
		}
		return i < len(l)
	}
	if r := lit("RCPT "); r >= 0 {
		return r, 0
	}
	if !blanks() {
		return prefixMore, 0
	}
	if r := lit("TO:"); r >= 0 {
		return r, 0
	}
	if !blanks() {
		return prefixMore, 0
	}
	if r := lit("<POSTMASTER>"); r >= 0 {
		return r, 0
	}
	return prefixMatch, i - 1
}

// go-smtp's dataReader states (data.go), to end DATA where it does.
const (
	dataBeginLine = iota
	dataDot
	dataDotCR
	dataCR
	dataMid
	dataEOF
)

func nextDataState(s int, c byte) int {
	switch s {
	case dataBeginLine:
		switch c {
		case '.':
			return dataDot
		case '\r':
			return dataCR
		}
		return dataMid
	case dataDot:
		if c == '\r' {
			return dataDotCR
		}
		return dataMid
	case dataDotCR:
		if c == '\n' {
			return dataEOF
		}
		return dataMid
	case dataCR:
		if c == '\n' {
			return dataBeginLine
		}
		return dataMid
	case dataMid:
		if c == '\r' {
			return dataCR
		}
		return dataMid
	}
	return s
}
