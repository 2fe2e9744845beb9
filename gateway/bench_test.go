package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/intake-mail/intake/internal/cputime"
	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// benchMessage is a distinct ~4 KiB message (its own Message-ID and body),
// so the store's dedup does real work for each, as compare.sh's load does.
func benchMessage(i int64) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Member <m@member.example>\r\nTo: help@support.localhost\r\nSubject: benchmark %d\r\n", i)
	fmt.Fprintf(&b, "Message-ID: <bench-%d@member.example>\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", i)
	line := fmt.Sprintf("message %d: the quick brown fox jumps over the lazy dog again and again\r\n", i)
	for b.Len() < 4096 {
		b.WriteString(line)
	}
	return []byte(b.String())
}

// BenchmarkAcceptSMTP measures accepted messages per second through the
// whole gateway (SMTP on loopback, sender checks against a local DNS
// server, scan, durable SQLite commit with group commit) with 8
// concurrent sessions. One op is one message answered 250.
//
// sensitive-with-reply: each message holds an SSN and comes from its own
// SPF-proven member, so each is sealed and gets a sensitive-data reply:
// the policy reads the reply history and the intent is committed with the
// ticket (the reply is rendered later, by the outbox worker, not here).
func BenchmarkAcceptSMTP(b *testing.B) {
	for _, mode := range []string{"conn-per-message", "reused-conns", "sensitive-with-reply"} {
		reuse := mode != "conn-per-message"
		sensitive := mode == "sensitive-with-reply"
		b.Run(mode, func(b *testing.B) {
			var e *testEnv
			if sensitive {
				e = newEnv(b, func(o *Options) {
					o.Replies = testResponder(b, func(ro *reply.ResponderOptions) {
						ro.Policy.SensitivePerDomainHour = 1 << 30
						ro.History = o.Store.(*swapStore).get()
					})
				})
				e.dns.setTXT("member.example", "v=spf1 ip4:127.0.0.1 -all")
			} else {
				e = newEnv(b)
			}
			b.SetBytes(4096)
			b.ReportAllocs()
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			b.ResetTimer()
			cpu0 := cputime.Self()
			for s := 0; s < 8; s++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var c *smtp.Client
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							break
						}
						if c == nil {
							var err error
							if c, err = smtp.Dial(e.addr); err != nil {
								errs <- err
								return
							}
							if err := c.Hello("bench.member.example"); err != nil {
								errs <- err
								return
							}
						}
						msg, from := benchMessage(i), "m@member.example"
						if sensitive {
							msg = benchSensitive(i)
							from = fmt.Sprintf("m%d@member.example", i)
						}
						if err := sendFrom(c, from, msg); err != nil {
							errs <- err
							return
						}
						if !reuse {
							c.Quit()
							c = nil
						}
					}
					if c != nil {
						c.Quit()
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
			// The whole process: the sending clients too, so an upper
			// bound of the gateway's own CPU per message.
			b.ReportMetric(float64((cputime.Self()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
			if sensitive {
				if js, err := e.store.get().ListOutbox(context.Background(), tickets.OutboxFilter{}); err != nil || len(js) != b.N {
					b.Fatalf("%d replies queued for %d messages (%v)", len(js), b.N, err)
				}
			}
		})
	}
}

// benchSensitive is benchMessage with an SSN in it.
func benchSensitive(i int64) []byte {
	return []byte(strings.Replace(string(benchMessage(i)), "\r\n\r\n", "\r\n\r\nmy SSN is 489-36-8350\r\n", 1))
}

func sendFrom(c *smtp.Client, from string, msg []byte) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	if err := c.Rcpt("help@support.localhost", nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return err
	}
	if !strings.Contains(resp.StatusText, "queued as T-") {
		return fmt.Errorf("DATA answered %q", resp.StatusText)
	}
	return nil
}
