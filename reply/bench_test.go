package reply

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// BenchmarkDecide: the policy runs for every accepted message.
func BenchmarkDecide(b *testing.B) {
	p := DefaultPolicy()
	p.OwnDomains = []string{"support.example"}
	p.LoopToken = "support@support.example"
	in := memberInbound("ann@member.example", ssnFacts, "Subject", "hello", "X-Mailer", "x", "Received", "from a by b")
	b.ReportAllocs()
	for b.Loop() {
		if d := p.Decide(in); !d.Reply {
			b.Fatal(d.Reason)
		}
	}
}

// BenchmarkComposeReply: render, build and scan one reply (what the
// accept's transaction pays when a reply is due). SetBytes is the reply's
// size.
func BenchmarkComposeReply(b *testing.B) {
	r := testResponder(b, func(o *ResponderOptions) { o.Scanner = fullScanner() })
	d := Decision{Reply: true, Template: TemplateSensitive, To: "ann@member.example"}
	a := tickets.Accepted{TicketID: uuid.New(), Ref: "T-7K3F9Q"}
	facts := ScanFacts{Kinds: []scan.Kind{scan.KindSSN}, Withheld: true}
	job, err := r.Job(context.Background(), d, facts, "<m@member.example>", a)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(job.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Job(context.Background(), d, facts, "<m@member.example>", a); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkSign(b *testing.B, algo string) {
	r := testResponder(b, nil)
	job, err := r.Job(context.Background(), Decision{Reply: true, Template: TemplateSensitive, To: "ann@member.example"},
		ssnFacts, "", tickets.Accepted{TicketID: uuid.New(), Ref: "T-7K3F9Q"})
	if err != nil {
		b.Fatal(err)
	}
	key, _ := GenerateDKIMKey(algo)
	dk, _ := NewDKIM(key, "support.example", "s")
	b.SetBytes(int64(len(job.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dk.Sign(job.Payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDKIMSignEd25519(b *testing.B) { benchmarkSign(b, "ed25519") }
func BenchmarkDKIMSignRSA2048(b *testing.B) { benchmarkSign(b, "rsa") }

// BenchmarkDeliverLoopback: one SMTP transaction to a loopback smarthost.
func BenchmarkDeliverLoopback(b *testing.B) {
	t := &testing.T{}
	s, _ := startSink(t, sinkOptions{})
	d := &Delivery{Smarthost: s.addr}
	b.SetBytes(int64(len(testMsg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Deliver(context.Background(), "ann@member.example", testMsg); err != nil {
			b.Fatal(err)
		}
		<-s.got
	}
}
