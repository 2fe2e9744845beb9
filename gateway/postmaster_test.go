package gateway

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestBarePostmasterOverSMTP: RFC 5321 4.5.1 requires accepting
// "RCPT TO:<Postmaster>" without a domain; go-smtp's parser refused it with
// 501. It is accepted in any case, pipelined or not, and the message is
// filed in the default queue.
func TestBarePostmasterOverSMTP(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Domains = []string{"support.localhost", "other.example"}
		o.Queues = map[string]string{"support.localhost": "general"}
	})
	for _, rcpt := range []string{"RCPT TO:<postmaster>", "RCPT TO:<PostMaster>", "RCPT TO: <Postmaster>", "rcpt to:\t<postmaster>"} {
		t.Run(rcpt, func(t *testing.T) {
			r := dialRaw(t, e.addr)
			r.hello()
			r.expect("MAIL FROM:<m@member.example>", 250)
			r.expect(rcpt, 250)
			r.expect("DATA", 354)
			msg := simpleMessage("to the postmaster", "RCPT TO:<postmaster>\nis a line of the body, not a command\n")
			r.send(msg + ".\r\n")
			code, text := r.reply()
			d := e.ticket(refOf(t, code, text))
			if d.Queue != "support" {
				t.Errorf("queue %q, want the default queue", d.Queue)
			}
			m := d.Messages[0]
			if len(m.Envelope.Rcpts) != 1 || !strings.EqualFold(m.Envelope.Rcpts[0], "postmaster") {
				t.Errorf("envelope recipients %q", m.Envelope.Rcpts)
			}
			if body := m.Parts[0].Text; !strings.Contains(body, "RCPT TO:<postmaster>\n") && !strings.Contains(body, "RCPT TO:<postmaster>\r\n") {
				t.Errorf("the body line was changed: %q", body)
			}
		})
	}

	// Pipelined (RFC 2920): MAIL and several RCPTs in one write, then BDAT
	// chunks that hold the same command text as content, whose framing
	// must not move by a byte.
	r := dialRaw(t, e.addr)
	r.hello()
	r.send("MAIL FROM:<m@member.example>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<help@other.example>\r\nRCPT TO:<POSTMASTER>\r\n")
	for i := 0; i < 4; i++ {
		if code, text := r.reply(); code != 250 {
			t.Fatalf("pipelined reply %d: %d %q", i, code, text)
		}
	}
	msg := simpleMessage("chunks", "first\nRCPT TO:<postmaster>\nRSET\nMAIL FROM:<x@evil.example>\nRCPT TO:<postmaster>\nlast\n")
	cut := strings.Index(msg, "RCPT TO:<postmaster>") + 5 // a chunk ends inside the line
	r.send(fmt.Sprintf("BDAT %d\r\n%s", cut, msg[:cut]))
	if code, text := r.reply(); code != 250 {
		t.Fatalf("first chunk: %d %q", code, text)
	}
	r.send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg)-cut, msg[cut:]))
	code, text := r.reply()
	m := e.ticket(refOf(t, code, text)).Messages[0]
	if n := strings.Count(m.Parts[0].Text, "RCPT TO:<postmaster>"); n != 2 || strings.Contains(m.Parts[0].Text, barePostmasterDomain) {
		t.Errorf("chunk content changed: %q", m.Parts[0].Text)
	}
	if len(m.Envelope.Rcpts) != 2 {
		t.Errorf("envelope recipients %q, want postmaster and help once each", m.Envelope.Rcpts)
	}
	r.expect("NOOP", 250) // still in step with the client
	if n := len(e.tickets()); n != 5 {
		t.Errorf("%d tickets, want 5", n)
	}
}

// feedAll runs a stream through a rewriter in the given pieces, with go-smtp
// answering 354 to every DATA line.
func feedAll(pieces [][]byte) []byte {
	var p postmasterRewriter
	var out []byte
	for _, in := range pieces {
		out = append(out, p.feed(in, nil)...)
		if p.mode == modePending {
			p.wrote([]byte("354 go ahead\r\n"))
		}
	}
	return append(out, p.line[:p.held]...)
}

func TestPostmasterRewriter(t *testing.T) {
	const marker = "@" + barePostmasterDomain
	cases := []struct {
		name string
		in   []string // pieces as the socket gives them
		want string
	}{
		{"plain", []string{"RCPT TO:<postmaster>\r\n"}, "RCPT TO:<postmaster" + marker + ">\r\n"},
		{"params kept", []string{"RCPT TO:<postmaster> NOTIFY=NEVER\r\n"}, "RCPT TO:<postmaster" + marker + "> NOTIFY=NEVER\r\n"},
		{"split anywhere", []string{"RC", "PT TO:<post", "master", ">\r", "\n"}, "RCPT TO:<postmaster" + marker + ">\r\n"},
		{"with a domain", []string{"RCPT TO:<postmaster@support.localhost>\r\n"}, "RCPT TO:<postmaster@support.localhost>\r\n"},
		{"longer local part", []string{"RCPT TO:<postmasters>\r\n"}, "RCPT TO:<postmasters>\r\n"},
		{"two spaces after the verb", []string{"RCPT  TO:<postmaster>\r\n"}, "RCPT  TO:<postmaster" + marker + ">\r\n"},
		{"MAIL, not RCPT", []string{"MAIL FROM:<postmaster>\r\n"}, "MAIL FROM:<postmaster>\r\n"},
		{"not at a line start", []string{"NOOP RCPT TO:<postmaster>\r\n"}, "NOOP RCPT TO:<postmaster>\r\n"},
		{"DATA content", []string{"DATA\r\n", "RCPT TO:<postmaster>\r\n.\r\nRCPT TO:<postmaster>\r\n"},
			"DATA\r\nRCPT TO:<postmaster>\r\n.\r\nRCPT TO:<postmaster" + marker + ">\r\n"},
		{"dot-stuffed end is not the end", []string{"DATA\r\n", "x\r\n..\r\nRCPT TO:<postmaster>\r\n.\r\n"},
			"DATA\r\nx\r\n..\r\nRCPT TO:<postmaster>\r\n.\r\n"},
		{"BDAT chunk", []string{"BDAT 22\r\nRCPT TO:<postmaster>\r\nRCPT TO:<postmaster>\r\n"},
			"BDAT 22\r\nRCPT TO:<postmaster>\r\nRCPT TO:<postmaster" + marker + ">\r\n"},
		{"BDAT LAST across pieces", []string{"BDAT 22 last\r\nRCPT TO:", "<postmaster>\r\n", "RCPT TO:<postmaster>\r\n"},
			"BDAT 22 last\r\nRCPT TO:<postmaster>\r\nRCPT TO:<postmaster" + marker + ">\r\n"},
		{"BDAT with a bad size carries no chunk", []string{"BDAT x\r\nRCPT TO:<postmaster>\r\n"}, "BDAT x\r\nRCPT TO:<postmaster" + marker + ">\r\n"},
		{"BDAT with a bad argument carries no chunk", []string{"BDAT 5 FIRST\r\nRCPT TO:<postmaster>\r\n"}, "BDAT 5 FIRST\r\nRCPT TO:<postmaster" + marker + ">\r\n"},
		{"STARTTLS ends rewriting", []string{"STARTTLS\r\n", "RCPT TO:<postmaster>\r\n"}, "STARTTLS\r\nRCPT TO:<postmaster>\r\n"},
		{"content before the 354 ends rewriting", []string{"DATA\r\nRCPT TO:<postmaster>\r\n.\r\nRCPT TO:<postmaster>\r\n"},
			"DATA\r\nRCPT TO:<postmaster>\r\n.\r\nRCPT TO:<postmaster>\r\n"},
		{"bare LF lines", []string{"RCPT TO:<postmaster>\nRCPT TO:<postmaster>\n"}, "RCPT TO:<postmaster" + marker + ">\nRCPT TO:<postmaster" + marker + ">\n"},
		{"held start given back at the end", []string{"RCPT TO:<postm"}, "RCPT TO:<postm"},
	}
	for _, tc := range cases {
		var pieces [][]byte
		for _, s := range tc.in {
			pieces = append(pieces, []byte(s))
		}
		if got := string(feedAll(pieces)); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestPostmasterRewriterSplits: how TCP cuts a stream without DATA
// changes nothing in what go-smtp reads, and only the bare postmaster
// is ever changed.
func TestPostmasterRewriterSplits(t *testing.T) {
	stream := []byte("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<h@support.localhost>\r\n" +
		"BDAT 44\r\nRCPT TO:<postmaster>\r\nBDAT 3\r\nRCPT TO:<\r\nBDAT 0 LAST\r\nRSET\r\n" +
		"RCPT TO:<Postmaster>\r\nQUIT\r\n")
	want := feedAll([][]byte{stream})
	if !bytes.Equal(bytes.ReplaceAll(want, []byte("@"+barePostmasterDomain), nil), stream) {
		t.Fatalf("more than the bare postmaster changed: %q", want)
	}
	if n := bytes.Count(want, []byte(barePostmasterDomain)); n != 2 {
		t.Fatalf("%d rewrites, want 2: %q", n, want)
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 500; i++ {
		var pieces [][]byte
		for rest := stream; len(rest) > 0; {
			n := 1 + rng.Intn(len(rest))
			if n > 12 && rng.Intn(2) == 0 {
				n = 1 + rng.Intn(12)
			}
			pieces = append(pieces, rest[:n])
			rest = rest[n:]
		}
		if got := feedAll(pieces); !bytes.Equal(got, want) {
			t.Fatalf("split %d changes the output:\n got %q\nwant %q", i, got, want)
		}
	}
}

func FuzzPostmasterRewriter(f *testing.F) {
	f.Add([]byte("RCPT TO:<postmaster>\r\n"), 3)
	f.Add([]byte("BDAT 10\r\nRCPT TO:<postmaster>\r\n"), 5)
	f.Add([]byte("DATA\r\nx\r\n.\r\nRCPT TO:<postmaster>\r\n"), 6)
	f.Fuzz(func(t *testing.T, stream []byte, cut int) {
		if bytes.Contains(stream, []byte(barePostmasterDomain)) {
			return
		}
		if cut < 0 || cut > len(stream) {
			cut = len(stream) / 2
		}
		got := feedAll([][]byte{stream[:cut], stream[cut:]})
		// Nothing but the marker is ever added, and nothing is lost.
		if !bytes.Equal(bytes.ReplaceAll(got, []byte("@"+barePostmasterDomain), nil), stream) {
			t.Fatalf("stream changed beyond the marker: %q -> %q", stream, got)
		}
	})
}

// BenchmarkPostmasterRewriterData: the cost the rewriter adds to message
// content (go-smtp's end-of-data state machine, byte by byte).
func BenchmarkPostmasterRewriterData(b *testing.B) {
	body := bytes.Repeat([]byte("a line of a message body, seventy-some bytes long, as mail has\r\n"), 16<<10)
	b.SetBytes(int64(len(body)))
	out := make([]byte, 0, 8<<10)
	for i := 0; i < b.N; i++ {
		var p postmasterRewriter
		p.feed([]byte("DATA\r\n"), nil)
		p.wrote([]byte("354 go ahead\r\n"))
		for rest := body; len(rest) > 0; {
			n := min(4096, len(rest))
			out = p.feed(rest[:n], out[:0])
			rest = rest[n:]
		}
	}
}
