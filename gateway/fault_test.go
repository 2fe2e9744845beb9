package gateway

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStoreUnavailable takes the real store away (closed: every Accept
// fails as it does when the database is gone), expects 451 and nothing
// kept, then brings it back and expects the retry to be filed.
func TestStoreUnavailable(t *testing.T) {
	e := newEnv(t)
	if err := e.store.get().Close(); err != nil {
		t.Fatal(err)
	}
	msg := simpleMessage("while down", "my SSN is 078-05-1123\n")
	code, text := sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"}, msg)
	if code != 451 || !strings.HasPrefix(text, "451 4.3.0 ") {
		t.Fatalf("store down: %d %q, want 451 4.3.0", code, text)
	}
	if strings.Contains(text, "closed") || strings.Contains(text, "sql") {
		t.Errorf("reply leaks an internal error: %q", text)
	}

	e.store.set(e.openStore(t))
	if n := len(e.tickets()); n != 0 {
		t.Fatalf("%d tickets kept from a 451", n)
	}
	// The sender retries the same message: now it is filed, once.
	ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, msg)
	if ts := e.tickets(); len(ts) != 1 || ts[0].Ref != ref {
		t.Fatalf("after recovery: %+v", ts)
	}
	if !strings.Contains(e.metricsText(), `intake_smtp_rejected_total{code="451",reason="store",stage="data"} 1`) {
		t.Error("the 451 is not in the metrics")
	}
}

// TestShutdownDuringData starts transactions, shuts the server down while
// they are inside DATA, and checks each ended either committed with 250
// or with nothing kept and no 250.
func TestShutdownDuringData(t *testing.T) {
	e := newEnv(t)

	// An idle client is told 421 at once.
	idle := dialRaw(t, e.addr)
	idle.hello()

	const n = 4
	type outcome struct {
		code int
		text string
	}
	results := make([]outcome, n)
	var started, wg sync.WaitGroup
	release := make(chan struct{})
	for i := 0; i < n; i++ {
		started.Add(1)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := dialRaw(t, e.addr)
			r.hello()
			r.expect("MAIL FROM:<m@member.example>", 250)
			r.expect("RCPT TO:<help@support.localhost>", 250)
			r.expect("DATA", 354)
			msg := simpleMessage("in flight", "half of it\n")
			r.send(msg[:len(msg)/2])
			started.Done()
			<-release
			if i%2 == 1 {
				// Half the clients stall past the grace period.
				time.Sleep(1500 * time.Millisecond)
			}
			r.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := r.c.Write([]byte(msg[len(msg)/2:] + ".\r\n")); err != nil {
				results[i] = outcome{0, err.Error()}
				return
			}
			results[i].code, results[i].text = r.reply()
		}(i)
	}
	started.Wait()

	shutdownDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		shutdownDone <- e.srv.Shutdown(ctx)
	}()
	if code, text := idle.reply(); code != 421 {
		t.Errorf("idle client at shutdown: %d %q", code, text)
	}
	close(release)
	wg.Wait()
	<-shutdownDone
	t.Logf("outcomes: %+v", results)

	refs := map[string]bool{}
	for _, tk := range e.tickets() {
		refs[tk.Ref] = true
	}
	acked := 0
	for i, o := range results {
		if o.code == 250 {
			acked++
			ref := queuedRe.FindStringSubmatch(o.text)
			if ref == nil || !refs[ref[1]] {
				t.Errorf("client %d got %q but the ticket is not in the store", i, o.text)
			}
		} else if o.code != 0 && o.code/100 != 4 {
			t.Errorf("client %d: %d %q, want 250, 4xx or a closed connection", i, o.code, o.text)
		}
	}
	if len(refs) != acked {
		t.Errorf("%d tickets in the store, %d acknowledged: a message was kept without 250", len(refs), acked)
	}
	// A new connection after shutdown is refused.
	if _, err := dialTimeout(e.addr); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func dialTimeout(addr string) (int, error) {
	c, err := netDial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(string(buf[:n]), "220") {
		return 220, nil
	}
	return 421, errShutdown
}

type errString string

func (e errString) Error() string { return string(e) }

const errShutdown = errString("refused")
