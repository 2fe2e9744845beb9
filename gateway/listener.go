package gateway

import (
	"net"
	"time"

	"github.com/intake-mail/intake/mailproto"
)

// listener wraps a net.Listener with the connection limits go-smtp lacks
// (limits.go). A connection past a limit is told 421 (RFC 5321 3.8: a
// server that must refuse service says so before closing) and closed
// without reaching go-smtp; the accept loop never blocks on it.
type listener struct {
	net.Listener
	srv *Server
	// refusing bounds the goroutines that write 421 to refused clients, so
	// a flood cannot grow them without limit; past it we just close.
	refusing chan struct{}
}

func newListener(l net.Listener, srv *Server) *listener {
	return &listener{Listener: l, srv: srv, refusing: make(chan struct{}, 64)}
}

func (l *listener) Accept() (net.Conn, error) {
	s := l.srv
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := addrOf(nc.RemoteAddr())
		ip := addr.String()
		key := clientKey(addr)
		reason, becameBusy := s.limits.admit(key, s.evictLongestIdle)
		if reason != "" {
			s.metrics.connections.WithLabelValues(reason).Inc()
			s.log.Info("connection refused", "session", s.newID(), "ip", ip, "reason", reason)
			l.refuse(nc)
			continue
		}
		if becameBusy {
			s.log.Warn("smtp busy: idle clients get the short command timeout",
				"limit", s.limits.max, "timeout", s.busyTimeout.String())
			go s.hurryIdle()
		}
		s.metrics.connections.WithLabelValues("accepted").Inc()
		s.metrics.open.Inc()
		now := time.Now()
		c := &conn{
			Conn:        nc,
			ip:          ip,
			deadline:    now.Add(s.sessionTimeout),
			dataIdle:    s.dataTimeout,
			busyTimeout: s.busyTimeout,
			busy:        &s.limits.busy,
			hostname:    s.hostname,
			pm:          &postmasterRewriter{},
		}
		c.lastActive.Store(now.UnixNano())
		c.release = func() {
			s.limits.done(key, c.wasEvicted())
			s.metrics.open.Dec()
			s.forget(c)
			s.log.Debug("connection closed", "session", c.id, "ip", ip)
		}
		if !s.track(c) {
			// Shutting down: the listener is being closed as we speak.
			c.Write([]byte(shutdownLine(s.hostname)))
			c.Close()
			continue
		}
		s.log.Debug("connection opened", "session", c.id, "ip", ip)
		return c, nil
	}
}

var tooManyLine = formatLine(mailproto.C421ServiceUnavailable, mailproto.EnhSecurityTemp, "Too many connections, try again later")

func (l *listener) refuse(nc net.Conn) {
	select {
	case l.refusing <- struct{}{}:
	default:
		// A flood: say it here. A new socket's send buffer is empty, so
		// the line goes at once; the deadline only guards the accept loop
		// against the impossible.
		nc.SetWriteDeadline(time.Now().Add(time.Millisecond))
		nc.Write([]byte(tooManyLine))
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
