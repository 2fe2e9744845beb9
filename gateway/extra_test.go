package gateway

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

// TestTLSReload: STARTTLS serves the certificate on disk, and ReloadTLS
// (SIGHUP in serve) switches to a renewed one without a restart.
func TestTLSReload(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSignedCert(t, dir)
	e := newEnv(t, func(o *Options) { o.TLSCert, o.TLSKey = cert, key })
	serial := func() string {
		c, err := smtp.DialStartTLS(e.addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Noop(); err != nil { // the handshake happens on first use
			t.Fatal(err)
		}
		st, ok := c.TLSConnectionState()
		if !ok || len(st.PeerCertificates) == 0 {
			t.Fatal("no TLS")
		}
		return st.PeerCertificates[0].SerialNumber.String()
	}
	first := serial()
	renewed := t.TempDir()
	c2, k2 := selfSignedCert(t, renewed)
	for _, p := range [][2]string{{c2, cert}, {k2, key}} {
		b, _ := os.ReadFile(p[0])
		os.WriteFile(p[1], b, 0o600)
	}
	if serial() != first {
		t.Fatal("certificate changed before the reload")
	}
	if err := e.srv.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if serial() == first {
		t.Error("reload did not take the renewed certificate")
	}
	// A broken file keeps the one in use.
	os.WriteFile(cert, []byte("garbage"), 0o600)
	if err := e.srv.ReloadTLS(); err == nil {
		t.Error("a broken certificate reloaded")
	}
	serial()
}

func TestLineLengthLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxLineLength = 1000 })
	// Inside DATA: the message is refused.
	code, text := sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"},
		simpleMessage("long", strings.Repeat("x", 1200)+"\n"))
	if code != 554 && code != 500 {
		t.Errorf("overlong message line: %d %q", code, text)
	}
	// A command line: go-smtp answers 500 and hangs up.
	r := dialRaw(t, e.addr)
	r.hello()
	if code, _ := r.cmd("MAIL FROM:<" + strings.Repeat("a", 1100) + "@member.example>"); code != 500 {
		t.Errorf("overlong command: %d", code)
	}
	if n := len(e.tickets()); n != 0 {
		t.Errorf("%d tickets", n)
	}
}

// TestBDAT sends a message in CHUNKING's BDAT chunks (RFC 3030), as
// Exchange and other MTAs do when offered.
func TestBDAT(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.BareLFNetworks = nil })
	msg := simpleMessage("chunked", "first chunk and second chunk, SSN 078-05-1123\n")
	r := dialRaw(t, e.addr)
	r.hello()
	r.expect("MAIL FROM:<m@member.example>", 250)
	r.expect("RCPT TO:<help@support.localhost>", 250)
	half := len(msg) / 2
	r.send(fmt.Sprintf("BDAT %d\r\n%s", half, msg[:half]))
	if code, text := r.reply(); code != 250 {
		t.Fatalf("first chunk: %d %q", code, text)
	}
	r.send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg)-half, msg[half:]))
	code, text := r.reply()
	ref := refOf(t, code, text)
	if d := e.ticket(ref); !d.Sensitive || d.Subject != "chunked" {
		t.Errorf("ticket %+v", d.Ticket)
	}
	// A bare LF inside a chunk is refused like in DATA.
	r.expect("MAIL FROM:<m@member.example>", 250)
	r.expect("RCPT TO:<help@support.localhost>", 250)
	bad := "Subject: x\r\n\r\nbare\nline\r\n"
	r.send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(bad), bad))
	if code, text := r.reply(); code != 554 {
		t.Errorf("bare LF in BDAT: %d %q", code, text)
	}
}

// TestForgedAuthResultsRemoved: a sender cannot plant our verdicts.
func TestForgedAuthResultsRemoved(t *testing.T) {
	e := newEnv(t)
	msg := message([]string{
		"Authentication-Results: mx.support.localhost; spf=pass smtp.mailfrom=bank.example; dmarc=pass header.from=bank.example",
		"Authentication-Results: mx.elsewhere.example; spf=pass",
		"From: ceo@bank.example", "Subject: urgent", "Message-ID: <forged-ar@bank.example>",
	}, "SSN 078-05-1123\n")
	ref := mustQueue(t, e.addr, "x@bank.example", []string{"help@support.localhost"}, msg)
	d := e.ticket(ref)
	if d.Auth.DMARC == "pass" || d.Auth.SPF == "pass" {
		t.Errorf("forged verdicts believed: %+v", d.Auth)
	}
	item, err := e.store.get().OpenQuarantine(t.Context(), d.Messages[0].QuarantineID, "test")
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(t.TempDir(), "id.txt")
	writeIdentity(t, e, idFile)
	raw := openSealed(t, item.Sealed, idFile)
	if n := strings.Count(raw, "Authentication-Results: mx.support.localhost;"); n != 1 {
		t.Errorf("%d A-R fields with our authserv-id in the stored original, want only ours", n)
	}
	if !strings.Contains(raw, "Authentication-Results: mx.elsewhere.example; spf=pass") {
		t.Error("another host's A-R field was removed")
	}
}
