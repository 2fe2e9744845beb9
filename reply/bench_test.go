package reply

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
)

// BenchmarkDecide: the policy runs for every accepted message.
func BenchmarkDecide(b *testing.B) {
	p := testPolicy()
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
// outbox worker pays for each auto-reply before it signs; the accept pays
// only for the intent, see BenchmarkIntent). SetBytes is the reply's size.
func BenchmarkComposeReply(b *testing.B) {
	r := testResponder(b, func(o *ResponderOptions) { o.Scanner = fullScanner() })
	d := Decision{Reply: true, Template: TemplateSensitive, To: "ann@member.example"}
	facts := ScanFacts{Kinds: []scan.Kind{scan.KindSSN}, Withheld: true}
	ticket := uuid.New()
	job, err := composed(r, d, facts, "<m@member.example>", ticket, "T-7K3F9Q")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(job.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := composed(r, d, facts, "<m@member.example>", ticket, "T-7K3F9Q"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntent: what the gateway pays for a reply before the commit
// (the decision and the job; no history store here).
func BenchmarkIntent(b *testing.B) {
	r := testResponder(b, nil)
	in := memberInbound("ann@member.example", ssnFacts, "Subject", "hello")
	b.ReportAllocs()
	for b.Loop() {
		if _, j := r.Intent(context.Background(), in); j == nil {
			b.Fatal("no reply")
		}
	}
}

func benchmarkSign(b *testing.B, algo string) {
	r := testResponder(b, nil)
	job, err := composed(r, Decision{Reply: true, Template: TemplateSensitive, To: "ann@member.example"},
		ssnFacts, "", uuid.New(), "T-7K3F9Q")
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
