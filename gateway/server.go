package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// Store is the part of tickets.Store the gateway writes to.
type Store interface {
	Accept(ctx context.Context, in *tickets.Inbound) (tickets.Accepted, error)
}

// Scanner is the part of *scan.Scanner the gateway uses.
type Scanner interface {
	Scan(ctx context.Context, raw []byte) (*scan.Result, error)
}

// Replier decides the auto-reply to one message about to be filed and
// returns the job to queue in the accept's own transaction (nil: none).
// *reply.Responder is the real one; it never fails an accept.
type Replier interface {
	Intent(ctx context.Context, in reply.Inbound) (reply.Decision, *tickets.OutboxJob)
}

// Options configure a Server. They are plain values: the composition root
// (cmd/intake) fills them from the configuration, whose defaults live in
// config.Default alone. New refuses options without a listen address, a
// host name, something to take mail for, a default queue or any one of the
// limits: no MX runs without them.
type Options struct {
	Listen   []string // host:port to listen on
	Hostname string   // our name: the greeting, Received and the authserv-id
	TLSCert  string   // PEM certificate for STARTTLS; "" offers none
	TLSKey   string

	// Whom mail is taken for (see policy.go): every address at Domains
	// and the listed Addresses; nothing else (never an open relay). Queues
	// maps an address or a domain to its queue, the address winning; the
	// rest goes to DefaultQueue.
	Domains      []string
	Addresses    []string
	Queues       map[string]string
	DefaultQueue string

	// Limits (limits.go). At MaxConnections the longest-idle connection
	// that has not started a transaction is closed (421) to make room; a
	// new one is refused (421) only when none is idle, or when its client
	// (an IPv4 address or an IPv6 /64) has MaxConnectionsPerIP open.
	// MaxErrors refused commands end a session.
	MaxMessageBytes     int64
	MaxRecipients       int
	MaxLineLength       int // commands and message lines, CRLF included
	MaxErrors           int
	MaxConnections      int // see ConnectionLimit for a size from the descriptor limit
	MaxConnectionsPerIP int
	CommandTimeout      time.Duration // waiting for one command line
	// BusyCommandTimeout replaces CommandTimeout, for a connection that
	// has not started a transaction, while more than 80 % of
	// MaxConnections are open.
	BusyCommandTimeout time.Duration
	DataTimeout        time.Duration // silence inside DATA
	SessionTimeout     time.Duration // a whole connection, whatever it does

	// RejectDMARCFail refuses mail failing DMARC whose domain asks p=reject.
	RejectDMARCFail bool
	// BareLFNetworks are the clients whose bare LF line ends are made CRLF
	// instead of refused.
	BareLFNetworks []netip.Prefix

	Store   Store
	Scanner Scanner
	// Sealer encrypts the raw original of every message that needs it;
	// the gateway holds no identity and cannot open what it seals.
	Sealer *tickets.Sealer
	// Resolver answers the SPF, DKIM and DMARC lookups; nil means the
	// system's (see NewResolver for a configured server).
	Resolver Resolver
	Logger   *slog.Logger          // nil: discard
	Metrics  prometheus.Registerer // nil: not registered
	// Replies decides the auto-replies (see autoreply.go); nil sends none.
	Replies Replier
	// AuthTimeout bounds each of SPF, DKIM and DMARC; 0 means 10 s.
	AuthTimeout time.Duration
	// AuthBudget bounds the whole authentication step after DATA (SPF,
	// DKIM and DMARC together, CPU included); 0 means twice AuthTimeout.
	AuthBudget time.Duration
	// CommitTimeout bounds sealing and committing one message; 0 means 60 s.
	CommitTimeout time.Duration
	// DataDir and MinFreeBytes: Ready says not ready while the file system
	// holding DataDir has less than MinFreeBytes free (0: not checked).
	DataDir      string
	MinFreeBytes int64
	Now          func() time.Time
}

// check names every required option that is missing.
func (o *Options) check() error {
	var missing []string
	need := func(ok bool, name string) {
		if !ok {
			missing = append(missing, name)
		}
	}
	need(len(o.Listen) > 0, "Listen")
	need(o.Hostname != "", "Hostname")
	need(len(o.Domains)+len(o.Addresses) > 0, "Domains or Addresses")
	need(o.DefaultQueue != "", "DefaultQueue")
	need(o.MaxMessageBytes > 0, "MaxMessageBytes")
	need(o.MaxRecipients > 0, "MaxRecipients")
	need(o.MaxLineLength > 0, "MaxLineLength")
	need(o.MaxErrors > 0, "MaxErrors")
	need(o.MaxConnections > 0, "MaxConnections")
	need(o.MaxConnectionsPerIP > 0, "MaxConnectionsPerIP")
	need(o.CommandTimeout > 0, "CommandTimeout")
	need(o.BusyCommandTimeout > 0, "BusyCommandTimeout")
	need(o.DataTimeout > 0, "DataTimeout")
	need(o.SessionTimeout > 0, "SessionTimeout")
	if len(missing) > 0 {
		return fmt.Errorf("gateway: options missing: %s", strings.Join(missing, ", "))
	}
	return nil
}

// Server is the SMTP listener. Start it, read Addr, Shutdown it; tests
// run one in-process on 127.0.0.1:0 with throwaway state.
type Server struct {
	opts    Options
	smtp    *smtp.Server
	log     *slog.Logger
	metrics *metrics
	policy  *rcptPolicy
	limits  *connLimits
	auth    *authChecker
	cert    atomic.Pointer[tls.Certificate]

	hostname       string
	commits        commitHealth   // recent commit outcomes, for Ready
	bareLFNets     []netip.Prefix // clients whose bare LFs are made CRLF
	sessionTimeout time.Duration
	dataTimeout    time.Duration
	busyTimeout    time.Duration
	authBudget     time.Duration

	// hard is cancelled when Shutdown gives up waiting: whatever still
	// runs (a scan, a DNS lookup) then stops.
	hard       context.Context
	cancelHard context.CancelFunc

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*conn]struct{}
	// sessions maps a client's address:port to its session id, so that
	// go-smtp's own log lines (which name only the address) carry it;
	// recent keeps the ids of connections just closed, as go-smtp logs
	// after the close.
	sessions, recent map[string]string
	shutting         bool
	inflight         flight
	nextID           atomic.Uint64
	startedAt        time.Time
}

// trustsBareLF reports whether ip is on a network whose bare LFs are
// normalized rather than refused.
func (s *Server) trustsBareLF(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.bareLFNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// New checks opts and builds a Server; nothing listens until Start.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Scanner == nil {
		return nil, errors.New("gateway: a store and a scanner are required")
	}
	if opts.Sealer == nil {
		return nil, errors.New("gateway: a quarantine sealer is required: nothing sensitive may be kept unsealed")
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.AuthTimeout <= 0 {
		opts.AuthTimeout = 10 * time.Second
	}
	if opts.AuthBudget <= 0 {
		opts.AuthBudget = 2 * opts.AuthTimeout
	}
	if opts.CommitTimeout <= 0 {
		opts.CommitTimeout = 60 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:           opts,
		log:            opts.Logger,
		metrics:        newMetrics(opts.Metrics),
		policy:         newRcptPolicy(opts.Domains, opts.Addresses, opts.Queues, opts.DefaultQueue),
		auth:           &authChecker{res: opts.Resolver, authservID: opts.Hostname, timeout: opts.AuthTimeout},
		hostname:       opts.Hostname,
		sessionTimeout: opts.SessionTimeout,
		dataTimeout:    opts.DataTimeout,
		busyTimeout:    min(opts.BusyCommandTimeout, opts.CommandTimeout),
		limits:         newConnLimits(opts.MaxConnections, opts.MaxConnectionsPerIP),
		authBudget:     opts.AuthBudget,
		commits:        commitHealth{window: readyWindow, threshold: readyFailures},
		conns:          make(map[*conn]struct{}),
		sessions:       make(map[string]string),
		recent:         make(map[string]string),
	}
	for _, p := range opts.BareLFNetworks {
		s.bareLFNets = append(s.bareLFNets, p.Masked())
	}
	s.hard, s.cancelHard = context.WithCancel(context.Background())
	if opts.Metrics != nil {
		opts.Metrics.MustRegister(s.readyGauge(), s.limitGauges())
	}

	srv := smtp.NewServer(&backend{s: s})
	srv.Domain = opts.Hostname
	srv.MaxMessageBytes = opts.MaxMessageBytes
	srv.MaxRecipients = opts.MaxRecipients
	srv.MaxLineLength = opts.MaxLineLength
	srv.ReadTimeout = opts.CommandTimeout
	srv.WriteTimeout = srv.ReadTimeout
	srv.EnableSMTPUTF8 = true // RFC 6531; 8BITMIME, PIPELINING and SIZE are always on
	srv.ErrorLog = smtpLogger{s}
	if opts.TLSCert != "" {
		if err := s.ReloadTLS(); err != nil {
			return nil, err
		}
		srv.TLSConfig = &tls.Config{
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil },
		}
	}
	s.smtp = srv
	return s, nil
}

// Start listens on every configured address and serves in the background.
func (s *Server) Start() error {
	ls, err := Listen(s.opts.Listen)
	if err != nil {
		return err
	}
	s.Serve(ls)
	return nil
}

// Listen binds every address, or none: a caller that must not write
// anything before it knows it can take mail (a first start makes keys)
// binds first, builds the rest, then hands the sockets to Serve.
func Listen(addrs []string) ([]net.Listener, error) {
	var ls []net.Listener
	for _, addr := range addrs {
		nl, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return nil, fmt.Errorf("smtp listen %s: %w", addr, err)
		}
		ls = append(ls, nl)
	}
	return ls, nil
}

// Serve serves SMTP on sockets from Listen, in the background, under
// this server's limits.
func (s *Server) Serve(nls []net.Listener) {
	ls := make([]net.Listener, 0, len(nls))
	for _, nl := range nls {
		ls = append(ls, newListener(nl, s))
	}
	s.mu.Lock()
	s.listeners = ls
	s.startedAt = s.opts.Now()
	s.mu.Unlock()
	for _, l := range ls {
		s.log.Info("smtp listening", "addr", l.Addr().String(), "hostname", s.hostname, "tls", s.cert.Load() != nil,
			"max_connections", s.limits.max)
		go func(l net.Listener) {
			if err := s.smtp.Serve(l); err != nil {
				s.log.Error("smtp serve stopped", "addr", l.Addr().String(), "err", err.Error())
			}
		}(l)
	}
}

// Addr is the address of the first listener (useful with port 0).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

// Shutdown stops accepting connections, tells idle clients 421, lets
// transactions in DATA finish until ctx is done, then closes what is left.
// A message is either committed and answered 250 or not kept (and its
// sender, seeing no 250, retries). Shutdown returns once no commit is in
// flight, so the store may be closed after it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutting = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.drain()
	}
	err := s.smtp.Shutdown(ctx)
	if err != nil {
		// Grace is over: close every connection (go-smtp's Close does
		// nothing once Shutdown has begun, so we close our own). A commit
		// already under way still finishes; its sender saw no 250 and
		// retries, and the store's dedup key makes that no second ticket.
		s.mu.Lock()
		for c := range s.conns {
			c.Conn.Close()
		}
		s.mu.Unlock()
	}
	// Commits finish on their own deadline; wait for them, then stop
	// anything else still running.
	wctx, cancel := context.WithTimeout(context.Background(), s.opts.CommitTimeout)
	defer cancel()
	werr := s.inflight.wait(wctx)
	s.cancelHard()
	if errors.Is(err, smtp.ErrServerClosed) {
		err = nil
	}
	if err == nil && werr != nil {
		err = fmt.Errorf("shutdown: commits still in flight: %w", werr)
	}
	return err
}

// ReloadTLS reads the certificate and key again (on SIGHUP); on error the
// one in use stays.
func (s *Server) ReloadTLS() error {
	if s.opts.TLSCert == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(s.opts.TLSCert, s.opts.TLSKey)
	if err != nil {
		return fmt.Errorf("load TLS certificate: %w", err)
	}
	s.cert.Store(&cert)
	return nil
}

// track registers a new connection, unless we are shutting down.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting {
		return false
	}
	c.id = s.newID()
	s.conns[c] = struct{}{}
	s.sessions[c.RemoteAddr().String()] = c.id
	return true
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	addr := c.RemoteAddr().String()
	if id, ok := s.sessions[addr]; ok {
		delete(s.sessions, addr)
		if len(s.recent) >= maxRecentSessions {
			s.recent = make(map[string]string)
		}
		s.recent[addr] = id
	}
	s.mu.Unlock()
}

// newID is a short session id for logs and the Received header, unique
// within this process run.
func (s *Server) newID() string {
	n := s.nextID.Add(1)
	return fmt.Sprintf("%x%04x", s.startedAt.Unix()&0xffffff, n)
}

// flight counts commits in progress so Shutdown can wait for them (a
// WaitGroup may not be added to while it is waited on).
type flight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{}
}

func (f *flight) add() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

func (f *flight) done() {
	f.mu.Lock()
	f.n--
	if f.n == 0 && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
	f.mu.Unlock()
}

func (f *flight) wait(ctx context.Context) error {
	f.mu.Lock()
	if f.n == 0 {
		f.mu.Unlock()
		return nil
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	ch := f.idle
	f.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxRecentSessions bounds the ids kept for connections already closed.
const maxRecentSessions = 1024

// sessionOf is the session id of the connection from addr (open or just
// closed), or "".
func (s *Server) sessionOf(addr string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.sessions[addr]; ok {
		return id
	}
	return s.recent[addr]
}

// smtpLogger routes go-smtp's own complaints (broken connections, TLS
// handshakes, a panic) to slog, masked in case a client's bytes are
// quoted, with the session id of the connection they name.
type smtpLogger struct{ s *Server }

func (l smtpLogger) Printf(format string, v ...any) {
	l.s.log.Debug("smtp", l.attrs(scan.MaskString(fmt.Sprintf(format, v...)), v)...)
}

func (l smtpLogger) Println(v ...any) {
	l.s.log.Debug("smtp", l.attrs(scan.MaskString(fmt.Sprint(v...)), v)...)
}

func (l smtpLogger) attrs(detail string, v []any) []any {
	for _, a := range v {
		if addr, ok := a.(net.Addr); ok {
			if id := l.s.sessionOf(addr.String()); id != "" {
				return []any{"session", id, "detail", detail}
			}
		}
	}
	return []any{"detail", detail}
}
