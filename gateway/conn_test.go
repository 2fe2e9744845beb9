package gateway

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// countingListener counts the writes to every connection it accepts.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: &l.writes}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(b)
}

// TestRepliesGathered: the replies go-smtp writes line by line leave in
// one write per turn of the conversation: the whole EHLO reply at once,
// and pipelined commands' replies together.
func TestRepliesGathered(t *testing.T) {
	sealer, err := tickets.NewSealer([]string{mustIdentity(t).Recipient})
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions()
	o.Store, o.Scanner, o.Sealer = &swapStore{}, nopScanner{}, sealer
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: nl}
	srv.Serve([]net.Listener{cl})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { srv.Shutdown(t.Context()) }) })

	r := dialRaw(t, nl.Addr().String())
	r.reply() // greeting: one write
	ehlo := r.expect("EHLO client.member.example", 250)
	if lines := strings.Count(ehlo, "\n") + 1; lines < 5 {
		t.Fatalf("EHLO reply of %d lines", lines)
	}
	if n := cl.writes.Load(); n != 2 {
		t.Errorf("greeting and EHLO took %d writes, want 2", n)
	}
	r.send("MAIL FROM:<m@member.example>\r\nRCPT TO:<help@support.localhost>\r\nNOOP\r\n")
	for i := 0; i < 3; i++ {
		if code, text := r.reply(); code != 250 && code != 252 {
			t.Fatalf("pipelined reply %d: %d %q", i, code, text)
		}
	}
	// A pipelined group that arrived in one read is answered in one
	// write; TCP may split the client's write, so allow for that.
	if n := cl.writes.Load(); n < 3 || n > 5 {
		t.Errorf("%d writes after three pipelined commands, want 3 to 5", n)
	}
	r.expect("QUIT", 221)
	if !r.closed() {
		t.Error("not closed after QUIT")
	}
}
