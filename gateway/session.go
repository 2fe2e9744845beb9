package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
)

// RFC 5321 4.5.3.1.3 and 4.5.3.1.2: the longest path and domain.
const (
	maxPathLen   = 256
	maxDomainLen = 255
	// RFC 5321 6.3: a message that has passed more hops than this is in a
	// loop; Postfix's hopcount_limit is the same.
	maxReceived = 50
)

// backend makes a session per EHLO (go-smtp calls NewSession then, and
// again after STARTTLS).
type backend struct{ s *Server }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	nc := c.Conn()
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	cn, ok := nc.(*conn)
	if !ok {
		// Every connection comes through our listener; if not, refuse
		// rather than serve without limits.
		return nil, replyNoSession.err()
	}
	return &session{s: b.s, c: c, conn: cn}, nil
}

// session is one SMTP conversation after EHLO. go-smtp calls its methods
// from the connection's goroutine only, one at a time.
type session struct {
	s    *Server
	c    *smtp.Conn
	conn *conn

	errors int // refused commands so far (max_errors)
	txn    int // transactions, for the Received id

	// The transaction in progress.
	from    string
	hasFrom bool
	utf8    bool
	rcpts   []string
	queues  []string // per rcpt
	spf     chan spfOutcome
}

type spfOutcome struct{ result, domain string }

func (se *session) Reset() {
	se.conn.setTxn(false)
	se.from, se.hasFrom, se.utf8 = "", false, false
	se.rcpts, se.queues = nil, nil
	se.spf = nil
}

func (se *session) Logout() error { return nil }

func (se *session) Mail(from string, opts *smtp.MailOptions) error {
	se.Reset()
	if len(se.c.Hostname()) > maxDomainLen {
		return se.refuse("mail", replyBadHelo, "helo", scan.MaskString(heloToken(se.c.Hostname())))
	}
	if len(from) > maxPathLen {
		return se.refuse("mail", replyBadSenderSyn, "sender", truncate(scan.MaskString(from), maxPathLen))
	}
	if from != "" {
		if _, _, ok := mailproto.ParseAddress(from); !ok {
			return se.refuse("mail", replyBadSenderSyn, "sender", scan.MaskString(from))
		}
	}
	se.from, se.hasFrom = from, true
	se.utf8 = opts != nil && opts.UTF8
	se.conn.setTxn(true)
	return nil
}

// startSPF begins the SPF check at the first accepted recipient: it needs
// only the envelope and the client, so its lookups overlap with the DATA
// transfer, and a relay attempt or dictionary attack costs no DNS.
func (se *session) startSPF() {
	if se.spf != nil {
		return
	}
	ch := make(chan spfOutcome, 1)
	se.spf = ch
	ip := net.ParseIP(se.conn.ip)
	helo, from := se.c.Hostname(), se.from
	go func() {
		r, d := se.s.auth.checkSPF(se.s.hard, ip, helo, from)
		ch <- spfOutcome{r, d}
	}()
}

func (se *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if len(to) > maxPathLen {
		return se.refuse("rcpt", replyBadRcptSyn, "rcpt", truncate(scan.MaskString(to), maxPathLen))
	}
	if local, ok := barePostmaster(to); ok {
		to = local // RFC 5321 4.1.1.3: as the client wrote it (see postmaster.go)
	}
	queue, r, ok := se.s.policy.check(to)
	if !ok {
		return se.refuse("rcpt", r, "rcpt", scan.MaskString(to))
	}
	for _, have := range se.rcpts {
		if strings.EqualFold(have, to) {
			return nil // RFC 5321 allows a repeat; it is one recipient
		}
	}
	se.rcpts = append(se.rcpts, to)
	se.queues = append(se.queues, queue)
	se.startSPF()
	return nil
}

func (se *session) Data(r io.Reader) error {
	se.conn.beginData()
	defer se.conn.endData()
	se.s.inflight.add()
	defer se.s.inflight.done()
	se.txn++
	start := time.Now()

	var buf bytes.Buffer
	if rep := readMessage(r, &buf, se.s.opts.MaxMessageBytes, se.s.trustsBareLF(se.conn.ip)); rep.Code != 0 {
		return se.refuse("data", rep)
	}
	se.s.metrics.sizeBytes.Observe(float64(buf.Len()))
	if se.conn.isDraining() {
		// The whole message arrived while we shut down: still ours to
		// file. Only a failure below makes it a 4xx.
		se.s.log.Info("finishing transaction during shutdown", "session", se.conn.id)
	}
	rep := se.s.deliver(se.s.hard, se.transaction(), buf.Bytes(), start)
	if !rep.OK() {
		return se.refuse("data", rep)
	}
	return rep.err()
}

// transaction is the envelope and connection facts deliver needs.
func (se *session) transaction() *transaction {
	t := &transaction{
		sessionID: se.conn.id + "." + strconv.Itoa(se.txn),
		clientIP:  se.conn.ip,
		helo:      se.c.Hostname(),
		from:      se.from,
		utf8:      se.utf8,
		rcpts:     append([]string(nil), se.rcpts...),
		queues:    append([]string(nil), se.queues...),
		spf:       se.spf,
	}
	if st, ok := se.c.TLSConnectionState(); ok {
		t.tls = &st
	}
	return t
}

// refuse counts a refusal, logs and meters it, and turns it into the error
// go-smtp sends. Past max_errors the reply becomes 421 and the connection
// is closed once it is written. what names the refused sender or
// recipient for the log, masked by the caller.
func (se *session) refuse(stage string, r Reply, what ...any) error {
	if r.Code/100 == 5 || r.Reason == "unknown_user" || r.Reason == "relay" {
		se.errors++
	}
	se.s.metrics.rejected.WithLabelValues(stage, r.Reason, strconv.Itoa(r.Code)).Inc()
	attrs := append([]any{"session", se.conn.id, "ip", se.conn.ip, "stage", stage,
		"reason", r.Reason, "code", r.Code}, what...)
	attrs = append(attrs, "from", scan.MaskString(se.from), "rcpts", maskAll(se.rcpts))
	se.s.log.Info("refused", attrs...)
	if se.errors >= se.s.opts.MaxErrors {
		se.s.metrics.rejected.WithLabelValues(stage, replyTooManyErrors.Reason, strconv.Itoa(replyTooManyErrors.Code)).Inc()
		se.conn.closeAfterReply()
		return replyTooManyErrors.err()
	}
	if r.Code == mailproto.C421ServiceUnavailable {
		// RFC 5321 3.8: a 421 closes the channel.
		se.conn.closeAfterReply()
	}
	return r.err()
}

func maskAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = scan.MaskString(s)
	}
	return out
}

// waitSPF returns the SPF outcome started at MAIL FROM.
func (t *transaction) waitSPF(ctx context.Context) spfOutcome {
	if t.spf == nil {
		return spfOutcome{verdictNone, ""}
	}
	select {
	case o := <-t.spf:
		return o
	case <-ctx.Done():
		return spfOutcome{verdictTempError, ""}
	}
}

// truncate cuts an overlong client string for the log.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
