package gateway

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestClientKey(t *testing.T) {
	cases := []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"}, // a v4-mapped client is its IPv4 address
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"},
		{"2001:db8:1:2::1", "2001:db8:1:2:8000::7"},
		{"fe80::1%eth0", "fe80::2%eth1"},
		{"::1", "::2"},
	}
	for _, tc := range cases {
		ka, kb := clientKey(netip.MustParseAddr(tc.a)), clientKey(netip.MustParseAddr(tc.b))
		if ka != kb {
			t.Errorf("%s and %s count as %s and %s, want one client", tc.a, tc.b, ka, kb)
		}
	}
	apart := []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.2"},
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"2001:db8:1:2::1", "2001:db9:1:2::1"},
		{"::ffff:192.0.2.1", "192.0.2.2"},
	}
	for _, tc := range apart {
		if ka, kb := clientKey(netip.MustParseAddr(tc.a)), clientKey(netip.MustParseAddr(tc.b)); ka == kb {
			t.Errorf("%s and %s both count as %s, want two clients", tc.a, tc.b, ka)
		}
	}
	if k := clientKey(netip.MustParseAddr("2001:db8:1:2:3:4:5:6")); k.String() != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 key %s, want 2001:db8:1:2::/64", k)
	}
}

// TestPerClientLimitCountsA64: a host that owns a /64 may not open more
// than the per-client limit by using many of its addresses.
func TestPerClientLimitCountsA64(t *testing.T) {
	l := newConnLimits(100, 3)
	none := func() bool { t.Fatal("evicted below the total limit"); return false }
	for i := 1; i <= 3; i++ {
		a := netip.MustParseAddr(fmt.Sprintf("2001:db8:0:1::%x", i*4097))
		if r, _ := l.admit(clientKey(a), none); r != "" {
			t.Fatalf("connection %d from the /64 refused: %s", i, r)
		}
	}
	if r, _ := l.admit(clientKey(netip.MustParseAddr("2001:db8:0:1:ffff::1")), none); r != refusedClient {
		t.Errorf("fourth address of one /64: %q, want %s", r, refusedClient)
	}
	if r, _ := l.admit(clientKey(netip.MustParseAddr("2001:db8:0:2::1")), none); r != "" {
		t.Errorf("the next /64 refused: %s", r)
	}
	l.done(clientKey(netip.MustParseAddr("2001:db8:0:1::5")), false)
	if r, _ := l.admit(clientKey(netip.MustParseAddr("2001:db8:0:1::6")), none); r != "" {
		t.Errorf("the /64 after one left: %s", r)
	}
}

// TestPerClientLimitOverIPv6Loopback runs the same accounting through a
// real listener on ::1, when this machine has IPv6 loopback.
func TestPerClientLimitOverIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	e := newEnv(t, func(o *Options) { o.Listen = []string{"[::1]:0"}; o.MaxConnectionsPerIP = 2 })
	a := dialRaw(t, e.addr)
	a.hello()
	b := dialRaw(t, e.addr)
	b.hello()
	c := dialRaw(t, e.addr)
	if code, text := c.reply(); code != 421 || !strings.Contains(text, "4.7.0") {
		t.Fatalf("third connection from ::1: %d %q", code, text)
	}
	if !strings.Contains(e.logs.String(), `"ip":"::1"`) {
		t.Error("refusal not logged with the client's address")
	}
}

func TestBusyHysteresis(t *testing.T) {
	l := newConnLimits(10, 10)
	k := clientKey(netip.MustParseAddr("192.0.2.1"))
	var turned int
	for i := 0; i < 8; i++ {
		if _, b := l.admit(k, nil); b {
			turned++
			if i != 7 {
				t.Errorf("busy at %d open, want at 8", i+1)
			}
		}
	}
	if turned != 1 || !l.busy.Load() {
		t.Fatalf("not busy at 80 %% (turned %d)", turned)
	}
	l.done(k, false) // 7 open: still busy
	if !l.busy.Load() {
		t.Error("busy ended at 70 %")
	}
	l.done(k, false) // 6 open
	if l.busy.Load() {
		t.Error("still busy below 70 %")
	}
}

func TestConnectionLimitFromDescriptors(t *testing.T) {
	for _, tc := range []struct {
		nofile uint64
		want   int
	}{
		{0, minAutoConnections},
		{1024, 512},
		{4096, 2816},
		{65536, maxAutoConnections},
		{256, 128},
	} {
		if got := connectionLimitFor(tc.nofile); got != tc.want {
			t.Errorf("nofile %d: limit %d, want %d", tc.nofile, got, tc.want)
		}
	}
	if n, nofile := ConnectionLimit(); n < 1 || (nofile > 0 && uint64(n) >= nofile) {
		t.Errorf("limit %d for %d descriptors", n, nofile)
	}
}

// raiseNoFile makes sure this process may open n descriptors, or skips.
func raiseNoFile(t *testing.T, n uint64) {
	t.Helper()
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	if rl.Cur >= n {
		return
	}
	rl.Cur = min(n, rl.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur < n {
		t.Skipf("need %d descriptors, may have %d", n, rl.Cur)
	}
}

// idleFlood opens n connections that say nothing, each from its own
// loopback address (127.1.x.y), and keeps them until the test ends.
// Connections the server closes are read to the end (their last reply is
// kept in lastLines).
type idleFlood struct {
	mu        sync.Mutex
	conns     []net.Conn
	lastLines map[string]int // last reply line -> connections that got it
	closed    atomic.Int64
}

func openIdleFlood(t *testing.T, addr string, n int) *idleFlood {
	t.Helper()
	f := &idleFlood{lastLines: map[string]int{}}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.conns {
			c.Close()
		}
	})
	var wg sync.WaitGroup
	next := make(chan int)
	var failed atomic.Int64
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(i>>8), byte(i))}}
				c, err := d.Dial("tcp", addr)
				if err != nil {
					failed.Add(1)
					continue
				}
				f.mu.Lock()
				f.conns = append(f.conns, c)
				f.mu.Unlock()
				go f.watch(c)
			}
		}()
	}
	for i := 1; i <= n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if failed.Load() > int64(n/100) {
		t.Fatalf("%d of %d idle connections could not even be opened", failed.Load(), n)
	}
	return f
}

// watch reads what the server says to an idle client until it hangs up.
func (f *idleFlood) watch(c net.Conn) {
	br := bufio.NewReader(c)
	last := ""
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			break
		}
		last = strings.TrimRight(line, "\r\n")
	}
	f.closed.Add(1)
	switch {
	case strings.HasPrefix(last, "421 4.7.0 Too many connections"):
		last = "refused"
	case strings.HasPrefix(last, "421 4.7.0 mx.support.localhost Too many connections, closing idle"):
		last = "evicted"
	case strings.HasPrefix(last, "421 4.4.2 "):
		last = "timed out"
	}
	f.mu.Lock()
	f.lastLines[last]++
	f.mu.Unlock()
}

// TestIdleConnectionsCannotLockOut: 2000 clients from 2000 addresses
// connect and say nothing, twice the connection limit. A member's MTA
// that connects afterwards still gets its 250 within a few seconds: the
// longest-idle connections are closed to make room (421 4.7.0), and once
// the server is busy the idle ones wait the short timeout only.
func TestIdleConnectionsCannotLockOut(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2000 connections")
	}
	const idle = 2000
	const busyWait = 3 * time.Second
	raiseNoFile(t, 2*idle+500)
	e := newEnv(t, func(o *Options) {
		o.MaxConnections = idle / 2
		o.CommandTimeout = 5 * time.Minute // RFC 5321's, as configured by default
		o.BusyCommandTimeout = busyWait
	})
	start := time.Now()
	f := openIdleFlood(t, e.addr, idle)
	t.Logf("%d idle connections opened in %s", idle, time.Since(start).Round(time.Millisecond))

	sent := time.Now()
	ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("still open", "hello\n"))
	took := time.Since(sent)
	t.Logf("%s queued %s after the flood", ref, took.Round(time.Millisecond))
	bound := 5 * time.Second
	if raceEnabled {
		bound *= 3
	}
	if took > bound {
		t.Errorf("a normal message took %s behind %d idle connections", took, idle)
	}

	m := e.metricsText()
	if !strings.Contains(m, "intake_smtp_connections_evicted_total ") || strings.Contains(m, "intake_smtp_connections_evicted_total 0\n") {
		t.Errorf("no eviction counted:\n%s", grepLines(m, "intake_smtp_connections"))
	}
	// The idle clients were told why they go: 421 4.7.0 when evicted,
	// 421 4.4.2 when their (short) wait ran out; never silence. (Those
	// the server accepts only after the busy spell, on a slow machine, get
	// the normal timeout and stay: not waited for.)
	f.mu.Lock()
	opened := len(f.conns)
	f.mu.Unlock()
	time.Sleep(busyWait + time.Second) // at least the busy timeout
	deadline := time.Now().Add(20 * time.Second)
	for last := int64(-1); time.Now().Before(deadline); {
		n := f.closed.Load()
		if n == int64(opened) || n == last {
			break
		}
		last = n
		time.Sleep(time.Second)
	}
	f.mu.Lock()
	lines := fmt.Sprint(f.lastLines)
	evicted, timedOut := f.lastLines["evicted"], f.lastLines["timed out"]
	other := f.closed.Load() - int64(evicted+timedOut+f.lastLines["refused"])
	f.mu.Unlock()
	t.Logf("idle clients closed: %d of %d; last lines %s", f.closed.Load(), opened, lines)
	if evicted == 0 {
		t.Errorf("no idle client heard 421 4.7.0 to make room: %s", lines)
	}
	if timedOut == 0 {
		t.Errorf("no idle client was cut at the busy timeout: %s", lines)
	}
	if other > 0 {
		t.Errorf("%d idle clients closed without a 421: %s", other, lines)
	}
	if f.closed.Load() < int64(idle/2) {
		t.Errorf("only %d idle clients closed: the limit is %d", f.closed.Load(), idle/2)
	}
	if !strings.Contains(e.logs.String(), `"msg":"smtp busy: idle clients get the short command timeout"`) {
		t.Error("turning busy not logged")
	}
}

// TestEvictionSparesTransactions: at the limit the longest-idle client
// is closed, never one inside a transaction; with every connection in a
// transaction the new one is refused.
func TestEvictionSparesTransactions(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxConnections = 2; o.MaxConnectionsPerIP = 5 })
	busy := dialRaw(t, e.addr)
	busy.hello()
	busy.expect("MAIL FROM:<m@member.example>", 250)
	idle := dialRaw(t, e.addr)
	idle.hello()

	fresh := dialRaw(t, e.addr)
	if code, text := fresh.reply(); code != 220 {
		t.Fatalf("new connection at the limit: %d %q", code, text)
	}
	if code, text := idle.reply(); code != 421 || !strings.HasPrefix(text, "421 4.7.0 mx.support.localhost ") {
		t.Errorf("idle client at the limit heard %d %q, want 421 4.7.0", code, text)
	}
	if !idle.closed() {
		t.Error("evicted client left open")
	}
	// The transaction goes on undisturbed.
	busy.expect("RCPT TO:<help@support.localhost>", 250)
	busy.expect("DATA", 354)
	busy.send(simpleMessage("in a transaction", "hello\n") + ".\r\n")
	if code, text := busy.reply(); code != 250 {
		t.Errorf("transaction at the limit: %d %q", code, text)
	}
	// Now both slots are taken by transactions: a third is refused.
	fresh.expect("EHLO client.member.example", 250)
	fresh.expect("MAIL FROM:<m@member.example>", 250)
	busy.expect("MAIL FROM:<m@member.example>", 250)
	var refused *rawClient
	for i := 0; i < 50 && refused == nil; i++ {
		// The evicted slot comes back asynchronously.
		c := dialRaw(t, e.addr)
		if code, _ := c.reply(); code == 421 {
			refused = c
			break
		}
		c.c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if refused == nil {
		t.Fatal("a connection past the limit was taken while every slot held a transaction")
	}
	if !strings.Contains(e.logs.String(), `"msg":"idle connection closed to make room"`) {
		t.Error("eviction not logged")
	}
}

// TestBusyShortensIdleWaits: past 80 % of the limit, clients idle before
// MAIL (those already waiting too) get the short timeout; a client in a
// transaction keeps the normal one.
func TestBusyShortensIdleWaits(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.MaxConnections = 10
		o.MaxConnectionsPerIP = 10
		o.CommandTimeout = time.Minute
		o.BusyCommandTimeout = time.Second
	})
	txn := dialRaw(t, e.addr)
	txn.hello()
	txn.expect("MAIL FROM:<m@member.example>", 250)
	var idle []*rawClient
	for i := 0; i < 7; i++ { // 8 open: busy
		c := dialRaw(t, e.addr)
		c.hello()
		idle = append(idle, c)
	}
	start := time.Now()
	for i, c := range idle {
		if code, text := c.reply(); code != 421 || !strings.Contains(text, "4.4.2") {
			t.Errorf("idle client %d: %d %q", i, code, text)
		}
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("idle clients cut after %s, want about a second", took)
	}
	// The transaction was not hurried.
	txn.expect("RCPT TO:<help@support.localhost>", 250)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSMTPLibraryLinesCarryTheSession: what go-smtp logs about a
// connection (here a reset in the middle of a command) carries the
// session id of that connection, like every other line of it.
func TestSMTPLibraryLinesCarryTheSession(t *testing.T) {
	e := newEnv(t)
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	br.ReadString('\n')
	c.Write([]byte("EHLO client.member.example\r\nMAIL FR"))
	time.Sleep(100 * time.Millisecond)
	c.(*net.TCPConn).SetLinger(0) // RST, not FIN
	c.Close()
	var line string
	for i := 0; i < 50 && line == ""; i++ {
		time.Sleep(20 * time.Millisecond)
		line = grepLines(e.logs.String(), `"msg":"smtp"`)
	}
	if line == "" {
		t.Skip("go-smtp logged nothing about the reset")
	}
	opened := grepLines(e.logs.String(), `"msg":"connection opened"`)
	id := opened[strings.Index(opened, `"session":"`)+11:]
	id = id[:strings.IndexByte(id, '"')]
	if !strings.Contains(line, `"session":"`+id+`"`) {
		t.Errorf("go-smtp's line lacks session %s: %s", id, line)
	}
}
