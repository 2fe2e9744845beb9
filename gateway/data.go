package gateway

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/emersion/go-smtp"

	"github.com/intake-mail/intake/mailproto"
)

// readChunk is how much of DATA is read and checked at a time.
const readChunk = 32 << 10

var chunkPool = sync.Pool{New: func() any { return new([readChunk]byte) }}

// readMessage reads the message go-smtp passes to Data (dot-unstuffed, the
// final ".CRLF" removed, CRLF kept) into buf and checks it on the way:
//
//   - go-smtp passes a stray CR or LF through; RFC 5321 2.3.8 allows CR
//     and LF only together as CRLF, and a bare one is how a second message
//     is smuggled past a less strict server in front of us (<LF>.<LF>,
//     CVE-2023-51764 class). A bare CR, and a line holding only "." that
//     is not between two CRLFs, is always refused. Any other bare LF is
//     refused too, unless normalize is set (the client is on a network the
//     admin trusts, loopback by default, as Postfix's
//     smtpd_forbid_bare_newline_exclusions): local tools such as curl send
//     files with LF line ends, and for them the LF becomes CRLF;
//   - the size limit (go-smtp's reader returns ErrDataTooLarge past
//     MaxMessageBytes; we check too, for BDAT chunks);
//   - the line length limit (go-smtp's ErrTooLongLine).
//
// It returns the zero Reply when the message was read whole.
func readMessage(r io.Reader, buf *bytes.Buffer, max int64, normalize bool) Reply {
	// The chunk escapes (r is an interface): one from a pool rather than
	// 32 KiB of garbage per message.
	cp := chunkPool.Get().(*[readChunk]byte)
	defer chunkPool.Put(cp)
	chunk := cp[:]
	st := newlineState{afterCRLF: true}
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			if int64(buf.Len()+n) > max {
				return replyTooBig
			}
			if !st.feed(buf, chunk[:n], normalize) {
				return replyBareNewline
			}
		}
		if err == io.EOF {
			if !st.end() {
				return replyBareNewline
			}
			return Reply{}
		}
		if err != nil {
			return dataError(err)
		}
	}
}

// newlineState follows line ends across chunks.
type newlineState struct {
	prevCR  bool // the last byte was a CR
	lineLen int  // bytes on the current line so far
	dotLine bool // the current line so far is exactly "."
	sawBare bool // the current line began after a bare LF
	// afterCRLF: the current line began after a CRLF (or is the first).
	// go-smtp drops the "." of "CRLF . LF", so an empty line ended by a
	// bare LF right after a CRLF is that smuggling shape, seen from here.
	afterCRLF bool
}

// feed checks p and appends it to buf (with bare LFs made CRLF when
// normalize is set). It reports false for a message to refuse.
func (st *newlineState) feed(buf *bytes.Buffer, p []byte, normalize bool) bool {
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			if st.prevCR {
				return false // CR then something else
			}
			st.text(p)
			buf.Write(p)
			return true
		}
		if st.prevCR && (i > 0 || p[0] != '\n') {
			return false // CR then something else
		}
		if p[i] == '\r' {
			if st.prevCR {
				return false // CR CR
			}
			st.text(p[:i])
			buf.Write(p[:i+1])
			st.prevCR = true
			p = p[i+1:]
			continue
		}
		// LF: with a CR before it (CRLF), or bare.
		bare := !st.prevCR
		st.text(p[:i])
		if bare && !normalize {
			return false // LF without CR before it
		}
		if st.dotLine && (bare || st.sawBare) {
			return false // "." alone between line ends that are not both CRLF
		}
		if bare && st.lineLen == 0 && st.afterCRLF {
			return false // CRLF "." LF with the dot eaten upstream
		}
		buf.Write(p[:i])
		if bare {
			buf.WriteString("\r\n")
		} else {
			buf.WriteByte('\n')
		}
		st.prevCR, st.lineLen, st.dotLine, st.sawBare, st.afterCRLF = false, 0, false, bare, !bare
		p = p[i+1:]
	}
	return true
}

// text notes line content (no CR or LF in it).
func (st *newlineState) text(b []byte) {
	if len(b) == 0 {
		return
	}
	st.dotLine = st.lineLen == 0 && len(b) == 1 && b[0] == '.'
	st.lineLen += len(b)
}

// end reports whether the message may end here.
func (st *newlineState) end() bool { return !st.prevCR }

// dataError maps a failed read inside DATA to the reply. The client's own
// errors are 5xx; a dead or silent connection is 421 (nobody may be there
// to read it, but go-smtp writes something, and it must not be 250).
func dataError(err error) Reply {
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se) && se.Code == smtp.ErrDataTooLarge.Code:
		return replyTooBig
	case errors.Is(err, smtp.ErrTooLongLine):
		return replyLineTooLong
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return replyTimeout
	}
	// EOF before the end of data, a reset BDAT, a closed connection.
	return Reply{mailproto.C421ServiceUnavailable, enhBadConnection, "Connection error, message not accepted", "client_abort"}
}
