package gateway

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestEHLOExtensions(t *testing.T) {
	e := newEnv(t)
	r := dialRaw(t, e.addr)
	r.reply()
	text := r.expect("EHLO client.member.example", 250)
	for _, ext := range []string{"PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "SIZE 26214400"} {
		if !strings.Contains(text, ext) {
			t.Errorf("EHLO lacks %s:\n%s", ext, text)
		}
	}
	// An MX offers no AUTH, and STARTTLS only with a certificate.
	for _, ext := range []string{"AUTH", "STARTTLS"} {
		if strings.Contains(text, ext) {
			t.Errorf("EHLO offers %s:\n%s", ext, text)
		}
	}
}

// TestRecipientPolicyOverSMTP: the recipient rule at RCPT, for a
// gateway that takes a whole domain and for one given addresses.
func TestRecipientPolicyOverSMTP(t *testing.T) {
	type rc struct{ rcpt, want string }
	cases := []struct {
		name               string
		domains, addresses []string
		rcpts              []rc
	}{
		{"a whole domain", []string{"support.localhost"}, nil, []rc{
			{"anyone@support.localhost", "250 2.1.5 "},
			// Without a domain (RFC 5321 4.1.1.3): see postmaster.go.
			{"postmaster", "250 "},
			{"Postmaster", "250 "},
			{"victim@gmail.example", "554 5.7.1 "},
			{"victim@support.localhost.attacker.example", "554 5.7.1 "},
			// A source route is ignored (RFC 5321 C), the mailbox judged.
			{"@hop.example:victim@gmail.example", "554 5.7.1 "},
		}},
		{"domains and addresses", []string{"support.example"}, []string{"help@support.example", "billing@support.example"}, []rc{
			{"help@support.example", "250 2.1.5 "},
			{"billing@support.example", "250 2.1.5 "},
			{"nobody@support.example", "550 5.1.1 "},
			{"postmaster@support.example", "250 "},
			{"postmaster", "250 "},
			{"anyone@support.localhost", "554 5.7.1 "},
		}},
		{"addresses alone", nil, []string{"help@other.example"}, []rc{
			{"help@other.example", "250 "},
			{"postmaster@other.example", "250 "},
			{"nobody@other.example", "550 5.1.1 "},
			{"anyone@support.localhost", "554 5.7.1 "},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.Domains, o.Addresses = tc.domains, tc.addresses })
			r := dialRaw(t, e.addr)
			r.hello()
			r.expect("MAIL FROM:<m@member.example>", 250)
			for _, c := range tc.rcpts {
				_, text := r.cmd("RCPT TO:<" + c.rcpt + ">")
				if !strings.HasPrefix(text, c.want) {
					t.Errorf("RCPT %s: %q, want %q...", c.rcpt, text, c.want)
				}
			}
			if n := len(e.tickets()); n != 0 {
				t.Errorf("%d tickets after RCPTs alone", n)
			}
			// The refusals name the recipient, masked like every client string.
			if !strings.Contains(e.logs.String(), `"rcpt":"`) {
				t.Errorf("refusal lines do not name the refused recipient:\n%s", e.logs.String())
			}
		})
	}
}

func TestOversizeRefused(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxMessageBytes = 64 << 10 })
	body := strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\n", 2000) // ~128 KiB

	// Announced in MAIL FROM (RFC 1870): refused at once.
	r := dialRaw(t, e.addr)
	r.hello()
	if _, text := r.cmd("MAIL FROM:<m@member.example> SIZE=131072"); !strings.HasPrefix(text, "552 5.3.4") {
		t.Errorf("MAIL with SIZE over the limit: %q", text)
	}

	// Not announced: refused at the end of DATA, nothing kept.
	code, text := sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("big", body))
	if code != 552 || !strings.HasPrefix(text, "552 5.3.4") {
		t.Errorf("oversize DATA: %d %q", code, text)
	}
	if n := len(e.tickets()); n != 0 {
		t.Errorf("%d tickets after an oversize message", n)
	}
	// The same connection limit holds for a message just under it.
	mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("small", body[:30000]))
}

// TestSmugglingRefused sends the CVE-2023-51764 family: a second message
// hidden behind a non-standard end of data. The gateway must neither end
// the message there nor take the hidden commands, and must file nothing.
func TestSmugglingRefused(t *testing.T) {
	// strict: the client is on no trusted network; trusted: loopback is in
	// smtp.bare_lf_networks (the default), so a bare LF line end is made
	// CRLF, but every smuggling shape is still refused.
	for _, mode := range []string{"strict", "trusted"} {
		t.Run(mode, func(t *testing.T) { testSmuggling(t, mode == "trusted") })
	}
}

func testSmuggling(t *testing.T, trusted bool) {
	e := newEnv(t, func(o *Options) {
		if !trusted {
			o.BareLFNetworks = nil
		}
	})
	hidden := "MAIL FROM:<admin@support.localhost>\r\nRCPT TO:<victim@support.localhost>\r\nDATA\r\nFrom: admin@support.localhost\r\nSubject: smuggled\r\n\r\nsmuggled\r\n"
	ends := map[string]string{
		"LF.LF":   "\n.\n",
		"LF.CRLF": "\n.\r\n",
		"CRLF.LF": "\r\n.\n",
		"CR.CR":   "\r.\r",
		"CR.CRLF": "\r.\r\n",
		"bare LF": "\nplain bare newline\r\n",
		"bare CR": "\rplain bare return\r\n",
		// go-smtp itself drops "." CR at the start of a line (it reads it
		// as a broken end marker), so this one reaches us as a plain line:
		// it cannot end the message early, which is what matters; it is
		// filed as one message or refused, never as two.
		"CRLF.CR":   "\r\n.\r",
		"LF in hdr": "",
	}
	for name, end := range ends {
		t.Run(name, func(t *testing.T) {
			r := dialRaw(t, e.addr)
			r.hello()
			r.expect("MAIL FROM:<m@member.example>", 250)
			r.expect("RCPT TO:<help@support.localhost>", 250)
			r.expect("DATA", 354)
			if name == "LF in hdr" {
				r.send("From: m@member.example\nSubject: x\r\n\r\nbody\r\n")
			} else {
				r.send("From: m@member.example\r\nSubject: first\r\n\r\nfirst" + end + hidden)
			}
			// The real end of data: exactly one reply.
			code, text := r.cmd(".")
			normalized := trusted && (name == "bare LF" || name == "LF in hdr")
			switch {
			case normalized || name == "CRLF.CR":
				if code != 250 && !(name == "CRLF.CR" && code == 554) {
					t.Fatalf("%s from a trusted client answered %d %q", name, code, text)
				}
			case code != 554 || !strings.Contains(text, "5.6.0"):
				t.Fatalf("smuggling attempt answered %d %q", code, text)
			}
			// The connection is still in step: the next reply is to NOOP.
			r.expect("NOOP", 250)
		})
	}
	for _, tk := range e.tickets() {
		if tk.Subject != "first" && !(trusted && tk.Subject == "x") {
			t.Errorf("ticket %q filed from a smuggling attempt", tk.Subject)
		}
	}
}

func TestLoopDetected(t *testing.T) {
	e := newEnv(t)
	var hdrs []string
	for i := 0; i < 51; i++ {
		hdrs = append(hdrs, fmt.Sprintf("Received: from hop%d.example by hop%d.example; Mon, 2 Jan 2006 15:04:05 -0700", i, i+1))
	}
	hdrs = append(hdrs, "From: m@member.example", "Subject: loop")
	code, text := sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"}, message(hdrs, "x\n"))
	if code != 554 || !strings.Contains(text, "5.4.6") {
		t.Errorf("51 Received fields: %d %q", code, text)
	}
	// 50 is still a message.
	mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, message(hdrs[1:], "x\n"))
}

func TestTooManyRecipients(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxRecipients = 2 })
	r := dialRaw(t, e.addr)
	r.hello()
	r.expect("MAIL FROM:<m@member.example>", 250)
	r.expect("RCPT TO:<a@support.localhost>", 250)
	r.expect("RCPT TO:<b@support.localhost>", 250)
	if _, text := r.cmd("RCPT TO:<c@support.localhost>"); !strings.HasPrefix(text, "452 4.5.3") {
		t.Errorf("third recipient: %q", text)
	}
}

func TestTooManyErrorsDisconnects(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxErrors = 3 })
	r := dialRaw(t, e.addr)
	r.hello()
	r.expect("MAIL FROM:<m@member.example>", 250)
	r.expect("RCPT TO:<x1@gmail.example>", 554)
	r.expect("RCPT TO:<x2@gmail.example>", 554)
	if _, text := r.cmd("RCPT TO:<x3@gmail.example>"); !strings.HasPrefix(text, "421 4.7.0") {
		t.Errorf("third error: %q", text)
	}
	if !r.closed() {
		t.Error("connection still open after too many errors")
	}
}

func TestConnectionLimits(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxConnections = 3; o.MaxConnectionsPerIP = 2 })
	a := dialRaw(t, e.addr)
	a.hello()
	b := dialRaw(t, e.addr)
	b.hello()
	c := dialRaw(t, e.addr)
	if code, text := c.reply(); code != 421 {
		t.Fatalf("third connection from one IP: %d %q", code, text)
	}
	if !c.closed() {
		t.Error("refused connection left open")
	}
	// A slot comes back when a client leaves. The server notices the close
	// asynchronously, so a retry may be refused too, and is counted: the
	// count is every refusal, the third connection's and the retries'.
	a.expect("QUIT", 221)
	a.closed()
	var d *rawClient
	refused := 1
	for i := 0; i < 50; i++ {
		d = dialRaw(t, e.addr)
		if code, _ := d.reply(); code == 220 {
			break
		}
		refused++
		d = nil
		time.Sleep(20 * time.Millisecond)
	}
	if d == nil {
		t.Fatal("no slot after a client quit")
	}
	if want := fmt.Sprintf(`intake_smtp_connections_total{result="refused_ip_limit"} %d`, refused); !strings.Contains(e.metricsText(), want) {
		t.Errorf("refusals not counted: want %s", want)
	}
}

func TestIdleClientCutOff(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.CommandTimeout = time.Second })
	r := dialRaw(t, e.addr)
	r.hello()
	// Say nothing: the command deadline passes.
	if code, text := r.reply(); code != 421 {
		t.Errorf("idle client: %d %q", code, text)
	}
	if !r.closed() {
		t.Error("idle client not disconnected")
	}
}

// TestSlowlorisCutOff keeps every single wait short (a NOOP, then a byte
// of DATA at a time, each well within the command and data timeouts) and
// still loses the connection at the session deadline, with nothing filed.
func TestSlowlorisCutOff(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.CommandTimeout = 2 * time.Second
		o.DataTimeout = 2 * time.Second
		o.SessionTimeout = 1500 * time.Millisecond
	})
	r := dialRaw(t, e.addr)
	r.hello()
	r.expect("MAIL FROM:<m@member.example>", 250)
	r.expect("RCPT TO:<help@support.localhost>", 250)
	r.expect("DATA", 354)
	msg := simpleMessage("slow", strings.Repeat("drip\n", 200))
	cut := false
	for i := 0; i < len(msg) && i < 400; i++ {
		r.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := r.c.Write([]byte{msg[i]}); err != nil {
			cut = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, text := r.reply()
	if code == 250 || (!cut && code != 421 && code != 0) {
		t.Errorf("slow client answered %d %q", code, text)
	}
	if !r.closed() {
		t.Error("slow client not disconnected")
	}
	if n := len(e.tickets()); n != 0 {
		t.Errorf("%d tickets from a cut-off transfer", n)
	}
}

func TestInternalErrorsNeverReachTheClient(t *testing.T) {
	secret := "sqlite: /var/lib/intake/intake.db: disk I/O error near table tickets"
	e := newEnv(t)
	e.store.failCommits(errors.New(secret))
	code, text := sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("x", "y\n"))
	if code != 451 || !strings.HasPrefix(text, "451 4.3.0 ") || strings.Contains(text, "sqlite") {
		t.Errorf("internal fault answered %d %q", code, text)
	}
	e.store.failCommits(nil)
	if n := len(e.tickets()); n != 0 {
		t.Errorf("%d tickets after a failed commit", n)
	}
}

// TestOurReplyTexts: the EHLO greeting names our host, not the client;
// MAIL and RCPT are answered in our words with RFC 3463 codes, never
// go-smtp's "Roger, accepting mail from".
func TestOurReplyTexts(t *testing.T) {
	e := newEnv(t)
	r := dialRaw(t, e.addr)
	r.reply()
	ehlo := r.expect("EHLO client.member.example", 250)
	if first, _, _ := strings.Cut(ehlo, "\n"); first != "250-mx.support.localhost" {
		t.Errorf("EHLO first line %q, want 250-mx.support.localhost", first)
	}
	if strings.Contains(ehlo, "client.member.example") {
		t.Errorf("EHLO reply names the client:\n%s", ehlo)
	}
	for _, tc := range []struct{ cmd, want string }{
		{"MAIL FROM:<m@member.example>", "250 2.1.0 Sender OK"},
		{"RCPT TO:<help@support.localhost>", "250 2.1.5 Recipient OK"},
		{"NOOP", "250 2.0.0 OK"},
		{"VRFY help", "252 2.5.0 Cannot VRFY user"},
		{"HELO client.member.example", "250 mx.support.localhost"},
	} {
		if _, text := r.cmd(tc.cmd); text != tc.want {
			t.Errorf("%s: %q, want %q", tc.cmd, text, tc.want)
		}
	}
}

func TestOurReplyTextUnit(t *testing.T) {
	for in, want := range map[string]string{
		"250-Hello x.example\r\n":                                "250-mx.example\r\n",
		"250 2.0.0 Hello x.example\r\n":                          "250 mx.example\r\n",
		"250 2.0.0 Roger, accepting mail from <a@b.example>\r\n": "250 2.1.0 Sender OK\r\n",
		"250 2.0.0 I'll make sure <a@b.example> gets this\r\n":   "250 2.1.5 Recipient OK\r\n",
		"250 2.0.0 queued as T-ABCDEF\r\n":                       "",
		"250-PIPELINING\r\n":                                     "",
		"550 5.1.1 No such user here\r\n":                        "",
		"\x17\x03\x03\x00\x20250-Hello x\r\n":                    "",
	} {
		got := string(ourReplyText([]byte(in), "mx.example"))
		if got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

// TestRefusalLogNamesTheRecipient: a refusal line says which recipient
// (or sender) was refused, masked like every client string.
func TestRefusalLogNamesTheRecipient(t *testing.T) {
	e := newEnv(t)
	r := dialRaw(t, e.addr)
	r.hello()
	r.expect("MAIL FROM:<m@member.example>", 250)
	r.expect("RCPT TO:<4111111111111111@gmail.example>", 554)
	r.expect("RCPT TO:<victim@gmail.example>", 554)
	r.expect("MAIL FROM:<"+strings.Repeat("a", 300)+"@member.example>", 501)
	logs := e.logs.String()
	if strings.Contains(logs, "4111111111111111") {
		t.Error("a refused recipient's number reached the log in full")
	}
	for _, want := range []string{`"rcpt":"victim@gmail.example"`, `"rcpt":"`, `1111@gmail.example"`, `"sender":"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("refusal lines lack %s:\n%s", want, grepLines(logs, `"refused"`))
		}
	}
}
