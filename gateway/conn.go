package gateway

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
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
//   - closing after one last reply (too many errors);
//   - the busy server's short wait for a client that has not started a
//     transaction, and its eviction at the connection limit (limits.go);
//   - our own texts for go-smtp's fixed replies (replytext.go);
//   - replies gathered until go-smtp next reads (see flush).
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
	// busy is the server's "above 80 % of the limit"; busyTimeout the
	// wait for a command then, before MAIL.
	busy        *atomic.Bool
	busyTimeout time.Duration
	// lastActive is when the client last sent anything (UnixNano).
	lastActive atomic.Int64

	// wbuf holds the replies written since go-smtp last read: textproto
	// flushes every line, so an EHLO reply would otherwise be a dozen
	// writes, and pipelined commands a write each.
	wmu  sync.Mutex
	wbuf []byte

	mu            sync.Mutex
	inData        bool
	inTxn         bool // MAIL accepted, the transaction not ended
	draining      bool
	evicted       bool // closed to make room at the connection limit
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
	if (c.draining || c.evicted) && !c.inData {
		// Between commands while we shut down, or told to make room:
		// end the wait now.
		t = time.Unix(1, 0)
	} else {
		if t.IsZero() || t.After(c.deadline) {
			t = c.deadline
		}
		if c.busy != nil && c.busy.Load() && !c.inTxn && !c.inData {
			if short := time.Now().Add(c.busyTimeout); t.After(short) {
				t = short
			}
		}
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
	// Whatever go-smtp answered goes out before it waits for more: a
	// client that waits for a reply gets it now.
	if err := c.flush(); err != nil {
		return 0, err
	}
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
	var n int
	var err error
	if c.pm == nil {
		n, err = c.Conn.Read(b)
	} else {
		n, err = c.pm.read(c.Conn, b)
	}
	if n > 0 {
		c.lastActive.Store(time.Now().UnixNano())
	}
	return n, err
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
	draining, evicted, closeAfter := c.draining, c.evicted, c.closeAfter
	c.mu.Unlock()
	if (draining || evicted) && bytes.HasPrefix(b, idleTimeoutLine) {
		c.mu.Lock()
		dup := c.wroteShutdown
		c.wroteShutdown = true
		c.mu.Unlock()
		if dup {
			return len(b), nil
		}
		line := shutdownLine(c.hostname)
		if !draining {
			line = evictedLine(c.hostname)
		}
		c.buffer([]byte(line))
		return len(b), nil
	}
	out := b
	if r := ourReplyText(b, c.hostname); r != nil {
		out = r
	}
	c.buffer(out)
	if closeAfter {
		err := c.flush()
		c.Conn.Close()
		if err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// closeFlushTimeout bounds the last write before a close.
const closeFlushTimeout = 2 * time.Second

// buffer keeps a reply until the next read, close or flush. go-smtp's
// write errors are then seen by the read that follows (it ends the
// session as a write error would).
func (c *conn) buffer(b []byte) {
	c.wmu.Lock()
	c.wbuf = append(c.wbuf, b...)
	c.wmu.Unlock()
}

// flush writes the replies gathered so far.
func (c *conn) flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.wbuf)
	if cap(c.wbuf) > 4096 {
		c.wbuf = nil // a long multi-line reply once: do not keep its buffer
	} else {
		c.wbuf = c.wbuf[:0]
	}
	return err
}

func shutdownLine(hostname string) string {
	r := replyShuttingDown
	return formatLine(r.Code, mailproto.EnhancedCode(r.Enhanced), hostname+" "+r.Text)
}

// evictedLine is what a client idle before MAIL hears when it is closed
// to make room at the connection limit.
func evictedLine(hostname string) string {
	return formatLine(mailproto.C421ServiceUnavailable, mailproto.EnhSecurityTemp, hostname+" Too many connections, closing idle ones; try again later")
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
	if first {
		// The last reply (221, 421) before the close. crypto/tls ends its
		// close_notify by setting the write deadline to now: give the
		// gathered bytes a moment of their own.
		c.Conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
		c.flush()
	}
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

// setTxn marks the start (MAIL accepted) or end of a transaction: only a
// connection outside one may be hurried or evicted when the server is
// busy.
func (c *conn) setTxn(on bool) {
	c.mu.Lock()
	c.inTxn = on
	c.mu.Unlock()
}

// idleSince is when a connection that could be evicted last heard from
// its client; ok is false for one in a transaction, shutting down,
// already evicted or closed.
func (c *conn) idleSince() (at int64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inTxn || c.inData || c.draining || c.evicted || c.closed {
		return 0, false
	}
	return c.lastActive.Load(), true
}

// evict makes the connection go, as drain does, with 421 4.7.0: go-smtp's
// own goroutine is woken from its wait for a command, writes the reply
// (rewritten in Write) and closes. It reports false when the connection
// started a transaction or went away meanwhile.
func (c *conn) evict() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inTxn || c.inData || c.draining || c.evicted || c.closed {
		return false
	}
	c.evicted = true
	c.setReadDeadlineLocked(time.Time{})
	return true
}

func (c *conn) wasEvicted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.evicted
}

// hurry applies the busy timeout to a wait already under way.
func (c *conn) hurry() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.inTxn || c.inData || c.draining || c.evicted {
		return
	}
	if c.lastDeadline.IsZero() || c.lastDeadline.After(time.Now().Add(c.busyTimeout)) {
		c.setReadDeadlineLocked(c.lastDeadline)
	}
}
