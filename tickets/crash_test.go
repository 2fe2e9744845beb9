package tickets

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Promise 3 under SIGKILL: a child process accepts messages in a loop and
// prints each acknowledged ref; the parent kills it at a random instant,
// and everything acknowledged must be there, exactly once. Twenty-odd
// trials reuse one store, so each also recovers from the previous kill.

const (
	envCrashChild = "INTAKE_TICKETS_CRASH_CHILD"
	crashTrials   = 24
)

func TestCrashChild(t *testing.T) {
	spec := os.Getenv(envCrashChild)
	if spec == "" {
		t.Skip("helper process for TestAcknowledgedSurvivesSIGKILL")
	}
	// spec: backend|dir|dsn|schema|secret-hex|trial
	f := strings.Split(spec, "|")
	secret, _ := hex.DecodeString(f[4])
	o := Options{Driver: f[0], DataDir: f[1], DSN: f[2], Schema: f[3], Secret: secret}
	s, err := Open(context.Background(), o)
	if err != nil {
		fmt.Printf("OPENFAIL %v\n", err)
		os.Exit(3)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				in := crashMessage(fmt.Sprintf("crash-%s-%d-%d@example.org", f[5], w, i), []byte("sealed original"))
				in.DedupKey = keyFor(in, "mx-trial-"+f[5])
				acc, err := s.Accept(context.Background(), in)
				if err != nil {
					continue // not acknowledged: the sender would retry
				}
				mu.Lock()
				fmt.Fprintf(out, "ACK %s %s\n", in.MessageID, acc.Ref)
				out.Flush()
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
}

// crashMessage is the message the child sends as mid; its content depends
// on mid alone, so the parent can send the very same message again.
func crashMessage(mid string, sealed []byte) *Inbound {
	in := sample(0, sealed)
	in.MessageID = mid
	in.Subject = "crash test " + mid
	in.Parts[0].Text = "body of " + mid
	return in
}

func TestAcknowledgedSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	forEachBackend(t, func(t *testing.T, h *harness) {
		h.s.Close()
		ctx := context.Background()
		acked := map[string]string{} // Message-ID → ref
		deadline := time.Now().Add(90 * time.Second)
		for trial := 0; trial < crashTrials && time.Now().Before(deadline); trial++ {
			spec := strings.Join([]string{h.backend, h.dir, h.dsn, h.schema, hex.EncodeToString(h.secret), fmt.Sprint(trial)}, "|")
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), envCrashChild+"="+spec)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 1024)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			// Kill at a random instant after the first acknowledgement.
			killAfter := time.Duration(rand.IntN(300)) * time.Millisecond
			var timer <-chan time.Time
			started := time.After(30 * time.Second)
			n := 0
		read:
			for {
				select {
				case line, ok := <-lines:
					if !ok {
						break read
					}
					if strings.HasPrefix(line, "OPENFAIL") {
						cmd.Process.Kill()
						t.Fatalf("trial %d: child could not open the store: %s", trial, line)
					}
					var mid, ref string
					if _, err := fmt.Sscanf(line, "ACK %s %s", &mid, &ref); err == nil {
						acked[mid] = ref
						n++
					}
					if timer == nil {
						timer = time.After(killAfter)
					}
				case <-timer:
					cmd.Process.Signal(syscall.SIGKILL)
					timer = nil
				case <-started:
					if n == 0 {
						cmd.Process.Kill()
						t.Fatalf("trial %d: child acknowledged nothing in 30s", trial)
					}
				}
			}
			cmd.Wait()
			if n == 0 {
				t.Fatalf("trial %d: no acknowledgement before the kill", trial)
			}
		}

		s := h.open(Options{})
		h.s = s // closed by the harness
		c := coreOf(s)
		for mid, ref := range acked {
			var n int64
			var tref string
			err := one(c.read.QueryRow(ctx, "SELECT COUNT(*), MIN(t.ref) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.message_id = ?", mid), &n, &tref)
			if err != nil || n != 1 || tref != ref {
				t.Errorf("acknowledged %s (%s): %d stored copies under %q, %v", mid, ref, n, tref, err)
			}
		}
		// A sender retrying any of them (the same bytes, through another
		// hop: other trace fields) gets the same ref and no new ticket.
		before := h.count("tickets")
		i := 0
		for mid, ref := range acked {
			if i++; i > 20 {
				break
			}
			in := crashMessage(mid, []byte("sealed original"))
			in.DedupKey = keyFor(in, "mx-retry")
			acc := mustAccept(t, s, in)
			if !acc.Duplicate || acc.Ref != ref {
				t.Errorf("redelivery of %s: %+v, want duplicate of %s", mid, acc, ref)
			}
		}
		if after := h.count("tickets"); after != before {
			t.Errorf("redeliveries made %d new tickets", after-before)
		}
		// The same Message-ID from someone else is another message.
		for mid, ref := range acked {
			in := crashMessage(mid, nil)
			in.Envelope.MailFrom, in.From = "stranger@elsewhere.example", "stranger@elsewhere.example"
			in.DedupKey = keyFor(in, "mx-retry")
			if acc := mustAccept(t, s, in); acc.Duplicate || acc.Ref == ref {
				t.Errorf("a stranger's message reusing %s was taken for a redelivery of %s", mid, ref)
			}
			break
		}
		if rep, err := s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Errorf("audit after crashes: %+v, %v", rep, err)
		}
		t.Logf("%d acknowledged accepts across the kills, all present once", len(acked))
	})
}
