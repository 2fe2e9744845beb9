package reply

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/intake-mail/intake/mailproto"
)

// stageError is a failure while opening a session, with where it happened.
type stageError struct {
	stage string
	err   error
}

// openSession reads the greeting, says EHLO and, when the server offers it,
// STARTTLS; it then hands the connection to a go-smtp client. go-smtp
// v0.25's client can start TLS only as its very first step (with EHLO
// "localhost") and fails outright where STARTTLS is not offered; doing the
// opening here lets us greet with our own name and use TLS only when
// offered, on one connection.
func openSession(ctx context.Context, conn net.Conn, helo string, tc *tls.Config, timeout time.Duration) (*smtp.Client, bool, *stageError) {
	conn.SetDeadline(time.Now().Add(timeout))
	br := bufio.NewReader(conn)
	tr := textproto.NewReader(br)
	if _, _, err := tr.ReadResponse(220); err != nil {
		return nil, false, &stageError{"connect", err}
	}
	offered := false
	if _, err := fmt.Fprintf(conn, "EHLO %s\r\n", helo); err != nil {
		return nil, false, &stageError{"connect", err}
	}
	if _, msg, err := tr.ReadResponse(250); err == nil {
		for _, line := range strings.Split(msg, "\n")[1:] {
			if f := strings.Fields(line); len(f) > 0 && strings.EqualFold(f[0], "STARTTLS") {
				offered = true
			}
		}
	} else if code := replyCode(err); code == 0 || code == mailproto.C421ServiceUnavailable {
		return nil, false, &stageError{"connect", err}
	}
	// (An EHLO refused with 5xx falls through: go-smtp retries with HELO.)

	var next net.Conn = conn
	var rest io.Reader = br
	if offered {
		if _, err := io.WriteString(conn, "STARTTLS\r\n"); err != nil {
			return nil, false, &stageError{"starttls", err}
		}
		if _, _, err := tr.ReadResponse(220); err != nil {
			return nil, false, &stageError{"starttls", err}
		}
		if br.Buffered() > 0 {
			// RFC 3207 §4.2: nothing may follow the 220 in clear.
			return nil, false, &stageError{"starttls", errors.New("server sent data after 220 to STARTTLS")}
		}
		t := tls.Client(conn, tc)
		if err := t.HandshakeContext(ctx); err != nil {
			return nil, false, &stageError{"starttls", fmt.Errorf("tls handshake: %w", err)}
		}
		next, rest = t, t
	}
	conn.SetDeadline(time.Time{})
	// The client reads a greeting first; it had its greeting already, so
	// it is given a stand-in, then what the server says next.
	return smtp.NewClient(&resumedConn{Conn: next, r: io.MultiReader(strings.NewReader("220 resumed\r\n"), rest)}), offered, nil
}

// resumedConn is a connection whose first bytes have been read already.
type resumedConn struct {
	net.Conn
	r io.Reader
}

func (c *resumedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// replyCode is the SMTP reply code in err, 0 when it holds none.
func replyCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}
