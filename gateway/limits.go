package gateway

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Connection limits, shared by every listener of a Server. Idle clients
// must not be able to lock the MX out (postscreen and Postfix's stress
// mode are the model):
//
//   - the total limit is high (a waiting client costs a goroutine and a
//     few buffers; the composition root sizes it from the file-descriptor
//     limit, see ConnectionLimit);
//   - the per-client limit counts an IPv4 address, or an IPv6 /64: one
//     host is routinely given a whole /64, and must not count as 2^64
//     clients;
//   - above busyShare of the limit the server is busy, and every
//     connection that has not started a transaction gets the short
//     BusyCommandTimeout instead of CommandTimeout for its next command,
//     those already waiting included;
//   - at the limit, the longest-idle connection that has not started a
//     transaction is told 421 4.7.0 and closed to make room for the new
//     one, which is refused only when every connection is in a
//     transaction.
const (
	busyOnShare  = 0.8 // busy from this share of the limit...
	busyOffShare = 0.7 // ...until below this one, so it does not flap
	// The connections told to go and not yet gone (their slots are still
	// counted) are bounded: a flood may push the open count a quarter past
	// the limit, by 8 to 256, no further (the descriptor reserve of
	// ConnectionLimit covers it).
	minEvicting = 8
	maxEvicting = 256
)

// clientKey is what the per-client limit counts: an IPv4 address (an
// IPv4-mapped IPv6 address is the IPv4 one), or the /64 an IPv6 address
// is in.
func clientKey(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	if a.Is4() || !a.IsValid() {
		return netip.PrefixFrom(a, a.BitLen())
	}
	p, _ := a.WithZone("").Prefix(64)
	return p
}

// addrOf is the client address of a connection (the zero Addr when it has
// none, as for a pipe in a test).
func addrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// connLimits counts open connections, in all and per client.
type connLimits struct {
	max, perClient  int
	busyOn, busyOff int
	evictHeadroom   int

	mu       sync.Mutex
	total    int
	byClient map[netip.Prefix]int
	evicting int // connections evicted and not yet closed

	busy atomic.Bool
}

func newConnLimits(limit, perClient int) *connLimits {
	on := int(float64(limit)*busyOnShare + 0.999)
	off := int(float64(limit) * busyOffShare)
	if off >= on {
		off = on - 1
	}
	return &connLimits{max: limit, perClient: perClient, busyOn: on, busyOff: off,
		evictHeadroom: min(max(limit/4, minEvicting), maxEvicting), byClient: make(map[netip.Prefix]int)}
}

// Reasons a connection is refused, as the metric's result label.
const (
	refusedTotal  = "refused_total_limit"
	refusedClient = "refused_ip_limit"
)

// admit takes a slot for a new connection from key, or says which limit
// is spent. At the total limit it asks evict to make room (it is called
// with l.mu held, and must not call back into l). becameBusy reports the
// moment the server turned busy.
func (l *connLimits) admit(key netip.Prefix, evict func() bool) (reason string, becameBusy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byClient[key] >= l.perClient {
		return refusedClient, false
	}
	if l.total >= l.max {
		if l.evicting >= l.evictHeadroom || !evict() {
			return refusedTotal, false
		}
		l.evicting++
	}
	l.total++
	l.byClient[key]++
	if !l.busy.Load() && l.total >= l.busyOn {
		l.busy.Store(true)
		becameBusy = true
	}
	return "", becameBusy
}

// done gives a slot back; evicted says the connection was closed to make
// room for another.
func (l *connLimits) done(key netip.Prefix, evicted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.byClient[key]--; l.byClient[key] <= 0 {
		delete(l.byClient, key)
	}
	if evicted {
		l.evicting--
	}
	if l.busy.Load() && l.total < l.busyOff {
		l.busy.Store(false)
	}
}

// evictLongestIdle picks, among the open connections, the one that has
// waited longest for a command without having started a transaction,
// and makes it go (421 4.7.0, then closed by its own goroutine). It
// reports whether there was one.
func (s *Server) evictLongestIdle() bool {
	s.mu.Lock()
	var victim *conn
	var oldest int64
	for c := range s.conns {
		at, ok := c.idleSince()
		if ok && (victim == nil || at < oldest) {
			victim, oldest = c, at
		}
	}
	s.mu.Unlock()
	if victim == nil || !victim.evict() {
		return false
	}
	s.metrics.evicted.Inc()
	s.log.Info("idle connection closed to make room", "session", victim.id, "ip", victim.ip,
		"idle", time.Since(time.Unix(0, oldest)).Round(time.Millisecond).String())
	return true
}

// hurryIdle shortens the wait of every connection idle before MAIL to the
// busy timeout, the moment the server turns busy: the clients already
// waiting are the ones filling it.
func (s *Server) hurryIdle() {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.hurry()
	}
}
