package gateway

import (
	"bytes"
	"errors"
	"io"
	"net"

	"github.com/emersion/go-smtp"
)

// readChunk is how much of DATA is read and checked at a time.
const readChunk = 32 << 10

// readMessage reads the message go-smtp passes to Data (dot-unstuffed, the
// final ".CRLF" removed, CRLF kept) into buf and checks it on the way:
//
//   - go-smtp passes a stray CR or LF through; RFC 5321 2.3.8 allows CR
//     and LF only together as CRLF, and a bare one is how a second message
//     is smuggled past a less strict server in front of us (<LF>.<LF>,
//     CVE-2023-51764 class). The message is refused, not repaired: a
//     repaired one would be a different message from the one the sender's
//     MTA believes it sent;
//   - the size limit (go-smtp's reader returns ErrDataTooLarge past
//     MaxMessageBytes; we check too, for BDAT chunks);
//   - the line length limit (go-smtp's ErrTooLongLine).
//
// It returns the zero Reply when the message was read whole.
func readMessage(r io.Reader, buf *bytes.Buffer, max int64) Reply {
	var chunk [readChunk]byte
	prevCR := false
	for {
		n, err := r.Read(chunk[:])
		if n > 0 {
			if int64(buf.Len()+n) > max {
				return replyTooBig
			}
			var ok bool
			if ok, prevCR = crlfOnly(chunk[:n], prevCR); !ok {
				return replyBareNewline
			}
			buf.Write(chunk[:n])
		}
		if err == io.EOF {
			if prevCR {
				return replyBareNewline
			}
			return Reply{}
		}
		if err != nil {
			return dataError(err)
		}
	}
}

// crlfOnly reports whether every CR in p is followed by LF and every LF
// preceded by CR, given whether the byte before p was a CR. It returns
// whether p ends in a CR.
func crlfOnly(p []byte, prevCR bool) (ok, endsCR bool) {
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			if prevCR {
				return false, false
			}
			return true, false
		}
		if prevCR && (i > 0 || p[0] != '\n') {
			return false, false // CR then something else
		}
		if p[i] == '\n' {
			if !prevCR || i > 0 {
				return false, false // LF without CR before it
			}
			prevCR = false
		} else {
			if prevCR {
				return false, false // CR CR
			}
			prevCR = true
		}
		p = p[i+1:]
	}
	return true, prevCR
}

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
	return Reply{codeServiceNotAvail, enhBadConnection, "Connection error, message not accepted", "client_abort"}
}
