package gateway

import (
	"net"
	"sync"
	"time"

	"github.com/intake-mail/intake/mailproto"
)

// listener wraps a net.Listener with the connection limits go-smtp lacks:
// at most max connections in all and perIP from one client address. A
// connection past a limit is told 421 (RFC 5321 3.8: a server that must
// refuse service says so before closing) and closed without reaching
// go-smtp; the accept loop never blocks on it.
type listener struct {
	net.Listener
	srv   *Server
	max   int
	perIP int

	mu    sync.Mutex
	total int
	byIP  map[string]int
	// refusing bounds the goroutines that write 421 to refused clients, so
	// a flood cannot grow them without limit; past it we just close.
	refusing chan struct{}
}

func newListener(l net.Listener, srv *Server, max, perIP int) *listener {
	return &listener{
		Listener: l,
		srv:      srv,
		max:      max,
		perIP:    perIP,
		byIP:     make(map[string]int),
		refusing: make(chan struct{}, 64),
	}
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := hostOf(nc.RemoteAddr())
		reason := l.admit(ip)
		if reason != "" {
			l.srv.metrics.connections.WithLabelValues(reason).Inc()
			l.srv.log.Info("connection refused", "ip", ip, "reason", reason)
			l.refuse(nc)
			continue
		}
		l.srv.metrics.connections.WithLabelValues("accepted").Inc()
		l.srv.metrics.open.Inc()
		c := &conn{
			Conn:     nc,
			ip:       ip,
			deadline: time.Now().Add(l.srv.sessionTimeout),
			dataIdle: l.srv.dataTimeout,
			hostname: l.srv.hostname,
			pm:       &postmasterRewriter{},
		}
		c.release = func() {
			l.done(ip)
			l.srv.metrics.open.Dec()
			l.srv.forget(c)
		}
		if !l.srv.track(c) {
			// Shutting down: the listener is being closed as we speak.
			c.Write([]byte(shutdownLine(l.srv.hostname)))
			c.Close()
			continue
		}
		return c, nil
	}
}

// admit takes a slot for ip, or says which limit is spent.
func (l *listener) admit(ip string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max {
		return "refused_total_limit"
	}
	if l.byIP[ip] >= l.perIP {
		return "refused_ip_limit"
	}
	l.total++
	l.byIP[ip]++
	return ""
}

func (l *listener) done(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

var tooManyLine = formatLine(mailproto.C421ServiceUnavailable, mailproto.EnhSecurityTemp, "Too many connections, try again later")

func (l *listener) refuse(nc net.Conn) {
	select {
	case l.refusing <- struct{}{}:
	default:
		nc.Close()
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		nc.Write([]byte(tooManyLine))
		nc.Close()
	}()
}

// hostOf is the client IP of a remote address, without the port.
func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}
