package gateway

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// testEnv is a gateway started in-process on 127.0.0.1:0 over a real
// SQLite store in a temporary directory, with a local DNS server, its logs
// and metrics captured.
type testEnv struct {
	t        *testing.T
	dir      string
	store    *swapStore
	srv      *Server
	addr     string
	logs     *syncBuffer
	reg      *prometheus.Registry
	dns      *dnsZone
	identity tickets.Identity
	secret   []byte
}

type envOption func(*Options)

// testOptions are the listener's options for a test: the limits an
// operator would set, with timeouts generous enough that a loaded CI
// machine never trips them by accident (the tests of the limits set their
// own).
func testOptions() Options {
	return Options{
		Listen:              []string{"127.0.0.1:0"},
		Hostname:            "mx.support.localhost",
		Domains:             []string{"support.localhost"},
		Addresses:           nil, // every address at Domains
		Queues:              map[string]string{"billing@support.localhost": "billing"},
		DefaultQueue:        "support",
		MaxMessageBytes:     25 << 20,
		MaxRecipients:       100,
		MaxLineLength:       4096,
		MaxErrors:           10,
		MaxConnections:      200,
		MaxConnectionsPerIP: 20,
		CommandTimeout:      30 * time.Second,
		BusyCommandTimeout:  10 * time.Second,
		DataTimeout:         30 * time.Second,
		SessionTimeout:      2 * time.Minute,
		BareLFNetworks:      []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	}
}

func newEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	tt, _ := t.(*testing.T)
	e := &testEnv{t: tt, dir: t.TempDir(), logs: &syncBuffer{}, reg: prometheus.NewRegistry()}
	var err error
	e.secret, err = tickets.LoadOrCreateSecret(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.identity, err = tickets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := tickets.NewSealer([]string{e.identity.Recipient})
	if err != nil {
		t.Fatal(err)
	}
	e.store = &swapStore{}
	e.store.set(e.openStore(t))
	var dnsAddr string
	e.dns, dnsAddr = startDNS(t)
	o := testOptions()
	o.Store = e.store
	o.Scanner = scan.New(scan.DefaultLimits())
	o.Sealer = sealer
	o.Resolver = NewResolver(dnsAddr)
	o.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.Metrics = e.reg
	o.AuthTimeout = 5 * time.Second
	for _, opt := range opts {
		opt(&o)
	}
	e.srv, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Start(); err != nil {
		t.Fatal(err)
	}
	e.addr = e.srv.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.srv.Shutdown(ctx)
		if s := e.store.get(); s != nil {
			s.Close()
		}
	})
	return e
}

func (e *testEnv) openStore(t testing.TB) tickets.Store {
	t.Helper()
	st, err := tickets.Open(context.Background(), tickets.Options{Driver: "sqlite", DataDir: e.dir, Secret: e.secret})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return st
}

// swapStore lets a test take the real store away (closing it, so Accept
// fails the way it does when the database is gone) and bring it back, or
// make every commit fail while the store still answers (a full disk).
type swapStore struct {
	mu      sync.Mutex
	s       tickets.Store
	failErr error
	// seen, when set, is shown every Inbound handed to Accept.
	seen func(*tickets.Inbound)
}

// watch shows fn every Inbound the gateway hands the store.
func (w *swapStore) watch(fn func(*tickets.Inbound)) { w.mu.Lock(); w.seen = fn; w.mu.Unlock() }

func (w *swapStore) set(s tickets.Store) { w.mu.Lock(); w.s = s; w.mu.Unlock() }
func (w *swapStore) get() tickets.Store  { w.mu.Lock(); defer w.mu.Unlock(); return w.s }

// failCommits makes every Accept fail with err (nil: commit again).
func (w *swapStore) failCommits(err error) { w.mu.Lock(); w.failErr = err; w.mu.Unlock() }

func (w *swapStore) Accept(ctx context.Context, in *tickets.Inbound) (tickets.Accepted, error) {
	w.mu.Lock()
	err, seen := w.failErr, w.seen
	w.mu.Unlock()
	if seen != nil {
		seen(in)
	}
	if err != nil {
		return tickets.Accepted{}, err
	}
	return w.get().Accept(ctx, in)
}

func (w *swapStore) Ping(ctx context.Context) error {
	s := w.get()
	if s == nil {
		return errors.New("store taken away")
	}
	return s.Ping(ctx)
}

// tickets lists every ticket in the store.
func (e *testEnv) tickets() []tickets.Ticket {
	e.t.Helper()
	ts, err := e.store.get().ListTickets(context.Background(), tickets.TicketFilter{})
	if err != nil {
		e.t.Fatalf("list tickets: %v", err)
	}
	return ts
}

func (e *testEnv) ticket(ref string) *tickets.TicketDetail {
	e.t.Helper()
	d, err := e.store.get().GetTicket(context.Background(), ref)
	if err != nil {
		e.t.Fatalf("get ticket %s: %v", ref, err)
	}
	return d
}

// metricsText is the registry in the Prometheus text format.
func (e *testEnv) metricsText() string {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		enc.Encode(mf)
	}
	return b.String()
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rawClient speaks SMTP byte for byte, so tests can send what a normal
// client library would never send (bare LF, slow bytes, pipelined lines).
type rawClient struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &rawClient{t: t, c: c, br: bufio.NewReader(c)}
	return rc
}

// reply reads one (possibly multi-line) reply and returns its code and
// last line; code 0 means the connection ended first.
func (r *rawClient) reply() (int, string) {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	var lines []string
	for {
		line, err := r.br.ReadString('\n')
		if err != nil {
			return 0, strings.Join(lines, "\n")
		}
		line = strings.TrimRight(line, "\r\n")
		lines = append(lines, line)
		if len(line) < 4 || line[3] != '-' {
			var code int
			fmt.Sscanf(line, "%d", &code)
			return code, strings.Join(lines, "\n")
		}
	}
}

func (r *rawClient) send(s string) {
	r.t.Helper()
	r.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.c.Write([]byte(s)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// cmd sends one line and reads the reply.
func (r *rawClient) cmd(line string) (int, string) {
	r.t.Helper()
	r.send(line + "\r\n")
	return r.reply()
}

// expect sends line and fails unless the reply has the given code.
func (r *rawClient) expect(line string, code int) string {
	r.t.Helper()
	got, text := r.cmd(line)
	if got != code {
		r.t.Fatalf("%q: got %d %q, want %d", scan.MaskString(line), got, scan.MaskString(text), code)
	}
	return text
}

// hello reads the greeting and says EHLO.
func (r *rawClient) hello() {
	r.t.Helper()
	if code, text := r.reply(); code != 220 {
		r.t.Fatalf("greeting: %d %q", code, text)
	}
	r.expect("EHLO client.member.example", 250)
}

// closed reports whether the server has closed the connection (after
// reading whatever it still sends).
func (r *rawClient) closed() bool {
	r.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := r.br.ReadByte()
	return err != nil
}

var queuedRe = regexp.MustCompile(`^250 2\.0\.0 queued as (T-[0-9A-Z]{6})`)

// sendMail runs one whole transaction over a raw connection and returns
// the final reply. msg must use CRLF and be dot-stuffed by the caller if
// needed.
func sendMail(t testing.TB, addr, from string, rcpts []string, msg string) (int, string) {
	t.Helper()
	r := dialRaw(t, addr)
	r.hello()
	if code, text := r.cmd("MAIL FROM:<" + from + ">"); code != 250 {
		return code, text
	}
	for _, rc := range rcpts {
		if code, text := r.cmd("RCPT TO:<" + rc + ">"); code != 250 {
			return code, text
		}
	}
	r.expect("DATA", 354)
	if !strings.HasSuffix(msg, "\r\n") {
		msg += "\r\n"
	}
	// The server may refuse the message and hang up before it is all
	// written (an overlong line): then its reply is what was said.
	r.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.c.Write([]byte(msg + ".\r\n")); err != nil {
		return r.reply()
	}
	code, text := r.reply()
	r.c.Write([]byte("QUIT\r\n")) // the server may be gone already
	return code, text
}

// refOf pulls the ticket reference out of a 250 reply.
func refOf(t testing.TB, code int, text string) string {
	t.Helper()
	m := queuedRe.FindStringSubmatch(text)
	if code != 250 || m == nil {
		t.Fatalf("not queued: %d %q", code, scan.MaskString(text))
	}
	return m[1]
}

// message builds a CRLF message from header lines and a body.
func message(headers []string, body string) string {
	var b strings.Builder
	for _, h := range headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\r\n")
	}
	return b.String()
}

var msgSeq struct {
	sync.Mutex
	n int
}

// simpleMessage is a plain member message with a fresh Message-ID.
func simpleMessage(subject, body string) string {
	msgSeq.Lock()
	msgSeq.n++
	n := msgSeq.n
	msgSeq.Unlock()
	return message([]string{
		"From: Member <m@member.example>",
		"To: help@support.localhost",
		"Subject: " + subject,
		"Date: Mon, 2 Jan 2006 15:04:05 -0700",
		fmt.Sprintf("Message-ID: <test-%d-%d@member.example>", time.Now().UnixNano(), n),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
	}, body)
}

// filesUnder returns every regular file under dir.
func filesUnder(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// mustQueue sends one message and returns the ticket reference of its 250.
func mustQueue(t testing.TB, addr, from string, rcpts []string, msg string) string {
	t.Helper()
	code, text := sendMail(t, addr, from, rcpts, msg)
	return refOf(t, code, text)
}

func netDial(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, 2*time.Second) }

func writeIdentity(t testing.TB, e *testEnv, path string) {
	t.Helper()
	if err := tickets.WriteIdentityFile(path, e.identity); err != nil {
		t.Fatal(err)
	}
}

func openSealed(t testing.TB, sealed []byte, idFile string) string {
	t.Helper()
	raw, err := tickets.OpenSealed(sealed, idFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
