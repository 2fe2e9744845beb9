package gateway

import (
	"bytes"
	"net"
	"sync"
	"time"

	"github.com/intake-mail/intake/mailproto"
)

// conn wraps each accepted connection to add what go-smtp lacks:
//
//   - a whole-session deadline: go-smtp sets a fresh read deadline for
//     every command, so a client that sends one byte just before each
//     timeout could stay forever; every deadline is clamped to ours;
//   - an idle deadline inside DATA that moves with each read, since
//     go-smtp's per-command deadline would otherwise bound the whole
//     transfer of a large message on a slow link;
//   - a drain for shutdown: an idle connection is woken at once (go-smtp
//     answers 421 and closes), one inside DATA is left to finish;
//   - closing after one last reply (too many errors).
type conn struct {
	net.Conn
	ip       string
	release  func() // gives the connection's slot back to the listener
	deadline time.Time
	dataIdle time.Duration
	hostname string
	id       string // session id for logs and Received
	// pm gives go-smtp "RCPT TO:<postmaster>" in a form it parses.
	pm *postmasterRewriter

	mu            sync.Mutex
	inData        bool
	draining      bool
	closeAfter    bool // close once the next reply is written
	closed        bool
	lastDeadline  time.Time
	wroteShutdown bool
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.setReadDeadlineLocked(t)
}

func (c *conn) setReadDeadlineLocked(t time.Time) error {
	if c.draining && !c.inData {
		// Between commands while we shut down: end the wait now.
		t = time.Unix(1, 0)
	} else if t.IsZero() || t.After(c.deadline) {
		t = c.deadline
	}
	c.lastDeadline = t
	return c.Conn.SetReadDeadline(t)
}

func (c *conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *conn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if c.inData && c.dataIdle > 0 {
		// Inside DATA the limit is silence, not the whole transfer; the
		// session deadline still bounds it.
		t := time.Now().Add(c.dataIdle)
		if t.After(c.deadline) {
			t = c.deadline
		}
		if t != c.lastDeadline {
			c.lastDeadline = t
			c.Conn.SetReadDeadline(t)
		}
	}
	c.mu.Unlock()
	if c.pm == nil {
		return c.Conn.Read(b)
	}
	return c.pm.read(c.Conn, b)
}

// idleTimeoutLine is what go-smtp writes when a read deadline passes; while
// draining it is the answer to our own wake-up, and the client should be
// told the truth.
var idleTimeoutLine = bytes.TrimSuffix([]byte(formatLine(mailproto.C421ServiceUnavailable, mailproto.EnhBadConnection, "Idle timeout")), []byte("\r\n"))

func (c *conn) Write(b []byte) (int, error) {
	if c.pm != nil {
		c.pm.wrote(b)
	}
	c.mu.Lock()
	draining, closeAfter := c.draining, c.closeAfter
	c.mu.Unlock()
	if draining && bytes.HasPrefix(b, idleTimeoutLine) {
		c.mu.Lock()
		dup := c.wroteShutdown
		c.wroteShutdown = true
		c.mu.Unlock()
		if dup {
			return len(b), nil
		}
		if _, err := c.Conn.Write([]byte(shutdownLine(c.hostname))); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	n, err := c.Conn.Write(b)
	if closeAfter {
		c.Conn.Close()
	}
	return n, err
}

func shutdownLine(hostname string) string {
	r := replyShuttingDown
	return formatLine(r.Code, mailproto.EnhancedCode(r.Enhanced), hostname+" "+r.Text)
}

func formatLine(code int, enh mailproto.EnhancedCode, text string) string {
	buf := make([]byte, 0, 64+len(text))
	buf = appendInt(buf, code)
	buf = append(buf, ' ')
	buf = appendInt(buf, enh[0])
	buf = append(buf, '.')
	buf = appendInt(buf, enh[1])
	buf = append(buf, '.')
	buf = appendInt(buf, enh[2])
	buf = append(buf, ' ')
	buf = append(buf, text...)
	buf = append(buf, '\r', '\n')
	return string(buf)
}

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func (c *conn) Close() error {
	c.mu.Lock()
	first := !c.closed
	c.closed = true
	c.mu.Unlock()
	err := c.Conn.Close()
	if first && c.release != nil {
		c.release()
	}
	return err
}

// beginData marks the start of a DATA transfer; endData its end.
func (c *conn) beginData() {
	c.mu.Lock()
	c.inData = true
	c.mu.Unlock()
}

func (c *conn) endData() {
	c.mu.Lock()
	c.inData = false
	if c.draining {
		// The transaction is done; the next wait for a command ends at
		// once and the client is told we are shutting down.
		c.setReadDeadlineLocked(time.Time{})
	}
	c.mu.Unlock()
}

// drain starts a graceful close: an idle connection is woken now, one in
// DATA when its transaction ends.
func (c *conn) drain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.draining {
		return
	}
	c.draining = true
	if !c.inData {
		c.setReadDeadlineLocked(time.Time{})
	}
}

// closeAfterReply makes the next write (the reply to the command being
// handled) the last one.
func (c *conn) closeAfterReply() {
	c.mu.Lock()
	c.closeAfter = true
	c.mu.Unlock()
}

// isDraining reports whether the server is shutting down.
func (c *conn) isDraining() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.draining
}
