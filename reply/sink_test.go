package reply

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sink is a go-smtp server on loopback standing in for the smarthost or a
// member's MX. It can refuse transactions, temporarily or for good.
type sink struct {
	addr string
	mu   sync.Mutex
	msgs []sunk
	// tempFails transactions are answered 451 at RCPT before any is taken.
	tempFails int
	// permCode, when set, answers every RCPT with it.
	permCode  int
	rcptTries int
	user      string // AUTH PLAIN required when set
	pass      string
	got       chan struct{}
}

type sunk struct {
	from   string
	to     []string
	data   []byte
	tls    bool
	authed bool
}

type sinkOptions struct {
	tls        bool
	user, pass string
	listen     string // "" means 127.0.0.1:0
}

func startSink(t *testing.T, o sinkOptions) (*sink, *x509.CertPool) {
	t.Helper()
	s := &sink{user: o.user, pass: o.pass, got: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{s: s, c: c}, nil
	}))
	srv.Domain = "sink.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	var pool *x509.CertPool
	if o.tls {
		cert, p := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		pool = p
	} else {
		srv.AllowInsecureAuth = true
	}
	listen := o.listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s, pool
}

func (s *sink) messages() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.msgs...)
}

// wait blocks until n messages arrived, failing after a generous bound
// (a guard against hanging, not a speed assertion).
func (s *sink) wait(t *testing.T, n int) []sunk {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for len(s.messages()) < n {
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("sink: %d messages, want %d", len(s.messages()), n)
		}
	}
	return s.messages()
}

type sinkSession struct {
	s      *sink
	c      *smtp.Conn
	cur    sunk
	authed bool
}

func (ss *sinkSession) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	_, isTLS := ss.c.TLSConnectionState()
	ss.cur = sunk{from: from, tls: isTLS, authed: ss.authed}
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	ss.s.rcptTries++
	if ss.s.permCode != 0 {
		return &smtp.SMTPError{Code: ss.s.permCode, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	if ss.s.tempFails > 0 {
		ss.s.tempFails--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.cur.to = append(ss.cur.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.data = bytes.Clone(b)
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.cur)
	ss.s.mu.Unlock()
	ss.s.got <- struct{}{}
	return nil
}

func (ss *sinkSession) Reset()        { ss.cur = sunk{} }
func (ss *sinkSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sink.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"sink.test"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// stalled is a server that accepts TCP connections and never greets: the
// slow smarthost or MX of issue 15 item 8.
type stalled struct {
	addr string
	mu   sync.Mutex
	open int // connections held now
	peak int // most held at once
	seen int // connections accepted in all
}

func startStalled(t *testing.T, listen string) *stalled {
	t.Helper()
	l, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	s := &stalled{addr: l.Addr().String()}
	done := make(chan struct{})
	var conns sync.WaitGroup
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.open++
			s.seen++
			s.peak = max(s.peak, s.open)
			s.mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				// Read and drop until the client gives up or the test ends.
				go func() { <-done; c.Close() }()
				io.Copy(io.Discard, c)
				c.Close()
				s.mu.Lock()
				s.open--
				s.mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); close(done); conns.Wait() })
	return s
}

func (s *stalled) counts() (open, peak, seen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open, s.peak, s.seen
}
