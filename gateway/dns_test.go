package gateway

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// dnsZone is a tiny authoritative server on loopback for the sender
// authentication tests: TXT and A records, and names that answer SERVFAIL.
type dnsZone struct {
	mu       sync.Mutex
	txt      map[string][]string
	a        map[string][]string
	servfail map[string]bool
}

func startDNS(t testing.TB) (*dnsZone, string) {
	t.Helper()
	z := &dnsZone{txt: map[string][]string{}, a: map[string][]string{}, servfail: map[string]bool{}}
	var pc net.PacketConn
	var ln net.Listener
	// UDP and TCP on the same port: the resolver falls back to TCP for a
	// truncated answer.
	for i := 0; i < 20; i++ {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		pc = nil
	}
	if pc == nil {
		t.Fatal("no port free for UDP and TCP DNS")
	}
	h := dns.HandlerFunc(z.serve)
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return z, pc.LocalAddr().String()
}

func (z *dnsZone) setTXT(name string, values ...string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.txt[dns.Fqdn(strings.ToLower(name))] = values
}

func (z *dnsZone) setA(name string, ips ...string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.a[dns.Fqdn(strings.ToLower(name))] = ips
}

func (z *dnsZone) setServfail(name string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.servfail[dns.Fqdn(strings.ToLower(name))] = true
}

func (z *dnsZone) serve(w dns.ResponseWriter, req *dns.Msg) {
	z.mu.Lock()
	defer z.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	if z.servfail[name] {
		m.Rcode = dns.RcodeServerFailure
		w.WriteMsg(m)
		return
	}
	txt, hasTXT := z.txt[name]
	a, hasA := z.a[name]
	if !hasTXT && !hasA {
		m.Rcode = dns.RcodeNameError
		w.WriteMsg(m)
		return
	}
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 60}
	switch q.Qtype {
	case dns.TypeTXT:
		for _, v := range txt {
			hdr.Rrtype = dns.TypeTXT
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: splitTXT(v)})
		}
	case dns.TypeA:
		for _, ip := range a {
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(ip)})
		}
	}
	w.WriteMsg(m)
}

// splitTXT cuts a long record into the 255-byte strings TXT holds.
func splitTXT(v string) []string {
	var out []string
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	return append(out, v)
}
