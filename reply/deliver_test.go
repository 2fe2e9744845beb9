package reply

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

var testMsg = []byte("From: <support@support.example>\r\nTo: <ann@member.example>\r\nSubject: t\r\n\r\nhello\r\n")

func TestDeliverSmarthost(t *testing.T) {
	ctx := context.Background()
	t.Run("plain", func(t *testing.T) {
		s, _ := startSink(t, sinkOptions{})
		d := &Delivery{Smarthost: s.addr, HeloName: "mx.support.example"}
		if err := d.Deliver(ctx, "ann@member.example", testMsg); err != nil {
			t.Fatal(err)
		}
		m := s.messages()
		if len(m) != 1 || m[0].from != "" || len(m[0].to) != 1 || m[0].to[0] != "ann@member.example" || m[0].tls {
			t.Fatalf("got %+v", m)
		}
		if !strings.HasSuffix(string(m[0].data), "hello\r\n") {
			t.Fatalf("data not delivered whole")
		}
	})
	t.Run("starttls and auth", func(t *testing.T) {
		s, pool := startSink(t, sinkOptions{tls: true, user: "relay", pass: "pw"})
		d := &Delivery{Smarthost: s.addr, Username: "relay", Password: "pw", TLSConfig: &tls.Config{RootCAs: pool}}
		if err := d.Deliver(ctx, "ann@member.example", testMsg); err != nil {
			t.Fatal(err)
		}
		m := s.messages()
		if len(m) != 1 || !m[0].tls || !m[0].authed || m[0].from != "" {
			t.Fatalf("got %+v", m)
		}
	})
	t.Run("auth on loopback without tls", func(t *testing.T) {
		s, _ := startSink(t, sinkOptions{user: "relay", pass: "pw"})
		d := &Delivery{Smarthost: s.addr, Username: "relay", Password: "pw"}
		if err := d.Deliver(ctx, "ann@member.example", testMsg); err != nil {
			t.Fatal(err)
		}
		if m := s.messages(); len(m) != 1 || !m[0].authed {
			t.Fatalf("got %+v", m)
		}
	})

	for _, tc := range []struct {
		name      string
		sink      sinkOptions
		tempFails int
		permCode  int
		delivery  func(addr string, d *Delivery)
		permanent bool
		stage     string
		code      int
	}{
		{name: "451 is transient", tempFails: 1, stage: "rcpt", code: 451},
		{name: "550 is permanent", permCode: 550, permanent: true, stage: "rcpt", code: 550},
		{name: "wrong password is ours to fix", sink: sinkOptions{user: "relay", pass: "pw"},
			delivery: func(_ string, d *Delivery) { d.Username, d.Password = "relay", "wrong" }, stage: "auth", code: 535},
		{name: "untrusted certificate is not sent to", sink: sinkOptions{tls: true}, stage: "starttls"},
		{name: "nobody listening", delivery: func(_ string, d *Delivery) { d.Smarthost = closedPort(t) }, stage: "connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := startSink(t, tc.sink)
			s.tempFails, s.permCode = tc.tempFails, tc.permCode
			d := &Delivery{Smarthost: s.addr, Timeout: 10 * time.Second}
			if tc.delivery != nil {
				tc.delivery(s.addr, d)
			}
			err := d.Deliver(ctx, "ann@member.example", testMsg)
			var de *DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a DeliveryError", err)
			}
			if de.Permanent != tc.permanent || de.Stage != tc.stage || de.Code != tc.code {
				t.Fatalf("permanent=%v stage=%s code=%d, want %v %s %d (%v)", de.Permanent, de.Stage, de.Code, tc.permanent, tc.stage, tc.code, err)
			}
			if len(s.messages()) != 0 {
				t.Fatalf("a message was taken")
			}
		})
	}
}

func TestDeliverMX(t *testing.T) {
	ctx := context.Background()
	ns := startDNS(t)
	s, _ := startSink(t, sinkOptions{})
	_, port, _ := net.SplitHostPort(s.addr)
	// The better MX is down: delivery moves on to the next (RFC 5321 §5.1).
	ns.addMX("member.test", "mx0.member.test", "127.0.0.2")
	ns.addMX("member.test", "mx1.member.test", "127.0.0.1")
	// Through the methods: the server reads these maps as it answers.
	ns.addA("implicit.test", "127.0.0.1")
	ns.setMX("nullmx.test", ".")
	d := &Delivery{Resolver: ns.resolver(), MXPort: port, HeloName: "mx.support.example", Timeout: 10 * time.Second}

	if err := d.Deliver(ctx, "ann@member.test", testMsg); err != nil {
		t.Fatal(err)
	}
	if err := d.Deliver(ctx, "bob@implicit.test", testMsg); err != nil {
		t.Fatalf("implicit MX: %v", err)
	}
	m := s.messages()
	if len(m) != 2 || m[0].to[0] != "ann@member.test" || m[1].to[0] != "bob@implicit.test" || m[0].from != "" {
		t.Fatalf("got %+v", m)
	}
	for _, to := range []string{"x@nullmx.test", "x@nowhere.test"} {
		err := d.Deliver(ctx, to, testMsg)
		if !IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", to, err)
		}
	}
}

// closedPort returns a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
