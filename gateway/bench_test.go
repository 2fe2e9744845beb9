package gateway

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"
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
func BenchmarkAcceptSMTP(b *testing.B) {
	for _, reuse := range []bool{false, true} {
		name := "conn-per-message"
		if reuse {
			name = "reused-conns"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b)
			b.SetBytes(4096)
			b.ReportAllocs()
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			b.ResetTimer()
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
						if err := sendVia(c, benchMessage(i)); err != nil {
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
		})
	}
}

func sendVia(c *smtp.Client, msg []byte) error {
	if err := c.Mail("m@member.example", nil); err != nil {
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
