package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// Options configure a Server. Web is the [web] section as read; Store is
// required; the rest have defaults.
type Options struct {
	Web   config.Web
	Store tickets.Store
	// Desk does every staff action of the pages and the API. serve gives
	// one with the reply composer; nil builds one over Store that refuses
	// replies (503), for a server that only reads.
	Desk   *desk.Desk
	Logger *slog.Logger // nil: slog.Default()
	// Accounts overrides the desk accounts built from Store and Web (tests
	// give one with their clock and policy).
	Accounts *desk.Accounts
	// Now is the clock for the accounts built here; nil: time.Now.
	Now func() time.Time
	// Config is the effective configuration, secrets hidden
	// (config.Redacted), shown to admins; zero: the page says it is not
	// known.
	Config config.Config
}

// Server is the web interface. Handler serves it on any listener (tests
// use httptest); Start, Addr and Shutdown run it on [web] listen.
type Server struct {
	o        Options
	log      *slog.Logger
	accounts *desk.Accounts
	desk     *desk.Desk
	now      func() time.Time
	// pageSize is the queue page's length (tests shorten it).
	pageSize int
	base     *url.URL // how staff reach us (for links and Secure cookies)
	secure   bool     // cookies need HTTPS
	// httpsBase: staff come over HTTPS (base_url https), maybe through a
	// proxy; HSTS is sent then.
	httpsBase bool
	proxies   []netip.Prefix
	tls       *tls.Config
	pages     *pages
	handler   http.Handler

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

// New builds the server: it loads the TLS key pair if configured and
// parses the templates, so a broken setup fails at start, not at the
// first request.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("web: a store is required")
	}
	s := &Server{o: o, log: o.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "web")
	s.pageSize = desk.DefaultPageSize
	s.now = o.Now
	if s.now == nil {
		s.now = time.Now
	}
	s.desk = o.Desk
	if s.desk == nil {
		d, err := desk.New(desk.Options{Store: o.Store, Now: s.now, Logger: s.log, NotifyDomains: o.Web.NotifyDomains})
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		s.desk = d
	}
	s.accounts = o.Accounts
	if s.accounts == nil {
		s.accounts = desk.NewAccounts(o.Store, desk.AuthPolicy{
			SessionIdle: time.Duration(o.Web.SessionIdle), SessionMax: time.Duration(o.Web.SessionMax),
		}, o.Now)
	}
	base, err := url.Parse(o.Web.URL())
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("web: base URL %q: want http(s)://host[:port]", o.Web.URL())
	}
	s.base = base
	if o.Web.TLSCert != "" || o.Web.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(o.Web.TLSCert, o.Web.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("web: load TLS key pair: %w", err)
		}
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	s.httpsBase = base.Scheme == "https"
	s.secure = s.tls != nil || s.httpsBase
	if err := s.setProxies(o.Web.TrustedProxies); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.pages, err = loadPages(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	h, err := s.routes()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.handler = h
	return s, nil
}

func (s *Server) setProxies(nets []string) error {
	for _, n := range nets {
		p, err := netip.ParsePrefix(n)
		if err != nil {
			return fmt.Errorf("trusted_proxies: %q is not a network", n)
		}
		s.proxies = append(s.proxies, p.Masked())
	}
	return nil
}

// Handler is the whole interface, security headers and CSRF checks
// included.
func (s *Server) Handler() http.Handler { return s.handler }

// Accounts is the desk accounts the server logs people in with.
func (s *Server) Accounts() *desk.Accounts { return s.accounts }

// BaseURL is how staff reach the interface, without a trailing slash.
func (s *Server) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.TrimRight(s.base.String(), "/")
}

// Start listens on [web] listen (HTTPS when tls_cert and tls_key are
// set) and serves in the background until Shutdown.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.o.Web.Listen)
	if err != nil {
		return fmt.Errorf("web: listen on %s: %w", s.o.Web.Listen, err)
	}
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	srv := &http.Server{
		Handler: s.handler,
		// Slow clients may not hold connections open for ever; a page is
		// small and a form smaller.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	if s.o.Web.BaseURL == "" && strings.HasSuffix(s.o.Web.Listen, ":0") {
		// A port the system chose (tests): links name the real one.
		w := s.o.Web
		w.Listen = ln.Addr().String()
		s.base, _ = url.Parse(w.URL())
	}
	s.mu.Unlock()
	s.log.Info("web listening", "addr", ln.Addr().String(), "url", s.BaseURL(), "tls", s.tls != nil)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("web server stopped", "err", err.Error())
		}
	}()
	return nil
}

// Addr is the address Start listens on (nil before Start).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops accepting and waits for requests in flight until ctx
// ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("web: shut down: %w", err)
	}
	return nil
}

// Run is Start, then Shutdown (with up to grace for requests in flight)
// once ctx is cancelled: the shape of serve's workers.
func (s *Server) Run(ctx context.Context, grace time.Duration) error {
	if err := s.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return s.Shutdown(sctx)
}
