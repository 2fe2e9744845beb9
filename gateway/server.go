package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/intake-mail/intake/config"
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

// BeforeAccept is called for each ticket a message is about to become,
// after the scan and before the commit; it may add outbox work to in
// (in.Outbox, in.OutboxFor) so that the reply is queued in the same
// transaction. The reply/ package plugs in here. An error is our fault:
// the message is answered 451 and nothing is kept.
type BeforeAccept func(ctx context.Context, d *Delivery, in *tickets.Inbound) error

// Options configure a Server. SMTP, Store, Scanner and Sealer are
// required.
type Options struct {
	SMTP    config.SMTP
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
	Hooks    []BeforeAccept
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

// Server is the SMTP listener. Start it, read Addr, Shutdown it; tests
// run one in-process on 127.0.0.1:0 with throwaway state.
type Server struct {
	opts    Options
	smtp    *smtp.Server
	log     *slog.Logger
	metrics *metrics
	policy  *rcptPolicy
	auth    *authChecker
	cert    atomic.Pointer[tls.Certificate]

	hostname       string
	commits        commitHealth   // recent commit outcomes, for Ready
	bareLFNets     []netip.Prefix // clients whose bare LFs are made CRLF
	sessionTimeout time.Duration
	dataTimeout    time.Duration
	authBudget     time.Duration

	// hard is cancelled when Shutdown gives up waiting: whatever still
	// runs (a scan, a DNS lookup) then stops.
	hard       context.Context
	cancelHard context.CancelFunc

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*conn]struct{}
	shutting  bool
	inflight  flight
	nextID    atomic.Uint64
	startedAt time.Time
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
	c := opts.SMTP
	if len(c.Listen) == 0 {
		return nil, errors.New("gateway: no listen address")
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
	if c.DefaultQueue == "" {
		c.DefaultQueue = "support"
	}
	opts.SMTP = c
	s := &Server{
		opts:           opts,
		log:            opts.Logger,
		metrics:        newMetrics(opts.Metrics),
		policy:         newRcptPolicy(c.Domains, c.Addresses, c.Queues, c.DefaultQueue),
		auth:           &authChecker{res: opts.Resolver, authservID: c.Hostname, timeout: opts.AuthTimeout},
		hostname:       c.Hostname,
		sessionTimeout: durationOr(c.SessionTimeout.D(), 30*time.Minute),
		dataTimeout:    durationOr(c.DataTimeout.D(), 3*time.Minute),
		authBudget:     opts.AuthBudget,
		commits:        commitHealth{window: readyWindow, threshold: readyFailures},
		conns:          make(map[*conn]struct{}),
	}
	for _, n := range c.BareLFNetworks {
		p, err := netip.ParsePrefix(n)
		if err != nil {
			return nil, fmt.Errorf("gateway: smtp.bare_lf_networks: %w", err)
		}
		s.bareLFNets = append(s.bareLFNets, p.Masked())
	}
	s.hard, s.cancelHard = context.WithCancel(context.Background())
	if opts.Metrics != nil {
		opts.Metrics.MustRegister(s.readyGauge())
	}

	srv := smtp.NewServer(&backend{s: s})
	srv.Domain = c.Hostname
	srv.MaxMessageBytes = c.MaxMessageBytes
	srv.MaxRecipients = c.MaxRecipients
	srv.MaxLineLength = intOr(c.MaxLineLength, 4096)
	srv.ReadTimeout = durationOr(c.CommandTimeout.D(), 5*time.Minute)
	srv.WriteTimeout = srv.ReadTimeout
	srv.EnableSMTPUTF8 = true // RFC 6531; 8BITMIME, PIPELINING and SIZE are always on
	srv.ErrorLog = smtpLogger{s.log}
	if c.TLSCert != "" {
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
	var ls []net.Listener
	for _, addr := range s.opts.SMTP.Listen {
		nl, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return fmt.Errorf("smtp listen %s: %w", addr, err)
		}
		ls = append(ls, newListener(nl, s, intOr(s.opts.SMTP.MaxConnections, 200), intOr(s.opts.SMTP.MaxConnectionsPerIP, 20)))
	}
	s.mu.Lock()
	s.listeners = ls
	s.startedAt = s.opts.Now()
	s.mu.Unlock()
	for _, l := range ls {
		s.log.Info("smtp listening", "addr", l.Addr().String(), "hostname", s.hostname, "tls", s.cert.Load() != nil)
		go func(l net.Listener) {
			if err := s.smtp.Serve(l); err != nil {
				s.log.Error("smtp serve stopped", "addr", l.Addr().String(), "err", err.Error())
			}
		}(l)
	}
	return nil
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
	c := s.opts.SMTP
	if c.TLSCert == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
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
	return true
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
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

// smtpLogger routes go-smtp's own complaints (broken connections, TLS
// handshakes) to slog, masked in case a client's bytes are quoted.
type smtpLogger struct{ log *slog.Logger }

func (l smtpLogger) Printf(format string, v ...any) {
	l.log.Debug("smtp", "detail", scan.MaskString(fmt.Sprintf(format, v...)))
}

func (l smtpLogger) Println(v ...any) {
	l.log.Debug("smtp", "detail", scan.MaskString(fmt.Sprint(v...)))
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func intOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
