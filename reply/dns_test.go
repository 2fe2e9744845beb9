package reply

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// testDNS is an authoritative server on loopback for the names a test
// gives it, so DKIM keys and MX records are looked up over real DNS.
type testDNS struct {
	addr string
	mu   sync.Mutex
	txt  map[string][]string // fqdn → records
	mx   map[string][]string // fqdn → hosts, in preference order
	a    map[string]string   // fqdn → IPv4
}

func startDNS(t *testing.T) *testDNS {
	t.Helper()
	d := &testDNS{txt: map[string][]string{}, mx: map[string][]string{}, a: map[string]string{}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen dns: %v", err)
	}
	d.addr = pc.LocalAddr().String()
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(d.serve), NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return d
}

func (d *testDNS) addTXT(name, value string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[dns.Fqdn(name)] = append(d.txt[dns.Fqdn(name)], value)
}

func (d *testDNS) addMX(domain, host, ip string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mx[dns.Fqdn(domain)] = append(d.mx[dns.Fqdn(domain)], host)
	d.a[dns.Fqdn(host)] = ip
}

// addA gives host an address without an MX.
func (d *testDNS) addA(host, ip string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.a[dns.Fqdn(host)] = ip
}

// setMX replaces domain's MX hosts ("." alone is a null MX, RFC 7505).
func (d *testDNS) setMX(domain string, hosts ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mx[dns.Fqdn(domain)] = hosts
}

func (d *testDNS) serve(w dns.ResponseWriter, req *dns.Msg) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	known := false
	for _, q := range req.Question {
		name := strings.ToLower(q.Name)
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 60}
		_, hasTXT := d.txt[name]
		_, hasMX := d.mx[name]
		_, hasA := d.a[name]
		known = known || hasTXT || hasMX || hasA
		switch q.Qtype {
		case dns.TypeTXT:
			for _, v := range d.txt[name] {
				hdr.Rrtype = dns.TypeTXT
				m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: chunk(v, 255)})
			}
		case dns.TypeMX:
			for i, h := range d.mx[name] {
				hdr.Rrtype = dns.TypeMX
				m.Answer = append(m.Answer, &dns.MX{Hdr: hdr, Preference: uint16(10 * (i + 1)), Mx: dns.Fqdn(h)})
			}
		case dns.TypeA:
			if ip, ok := d.a[name]; ok {
				hdr.Rrtype = dns.TypeA
				m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(ip)})
			}
		}
	}
	if !known {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

// chunk splits a TXT value into strings of at most n bytes (RFC 1035
// §3.3.14); resolvers join them again.
func chunk(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// resolver sends every query to the test server.
func (d *testDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var nd net.Dialer
		return nd.DialContext(ctx, "udp", d.addr)
	}}
}

func (d *testDNS) lookupTXT(name string) ([]string, error) {
	return d.resolver().LookupTXT(context.Background(), name)
}
