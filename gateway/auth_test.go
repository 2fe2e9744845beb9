package gateway

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// authZone publishes SPF, DKIM and DMARC records for the test domains on
// the env's local DNS server and returns a DKIM signer for member.example.
func authZone(t *testing.T, e *testEnv) func(msg string) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	z := e.dns
	z.setTXT("member.example", "v=spf1 ip4:127.0.0.1 -all")
	z.setTXT("_dmarc.member.example", "v=DMARC1; p=reject; adkim=r; aspf=r")
	z.setTXT("sel._domainkey.member.example", "v=DKIM1; k=ed25519; p="+base64.StdEncoding.EncodeToString(pub))
	z.setTXT("forged.example", "v=spf1 ip4:192.0.2.1 -all")
	z.setTXT("_dmarc.forged.example", "v=DMARC1; p=reject")
	z.setTXT("nodmarc.example", "v=spf1 +all")
	z.setTXT("bounces.member.example", "v=spf1 ip4:127.0.0.1 -all")
	z.setServfail("broken-dns.example")
	z.setServfail("_dmarc.broken-dns.example")
	return func(msg string) string {
		var out bytes.Buffer
		err := dkim.Sign(&out, strings.NewReader(msg), &dkim.SignOptions{
			Domain: "member.example", Selector: "sel", Signer: priv,
			HeaderKeys: []string{"From", "To", "Subject", "Message-ID"},
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
}

func fromMessage(from, subject string) string {
	return strings.Replace(simpleMessage(subject, "hello\n"), "From: Member <m@member.example>", "From: "+from, 1)
}

func TestSenderAuthentication(t *testing.T) {
	e := newEnv(t)
	sign := authZone(t, e)
	cases := []struct {
		name       string
		mailFrom   string
		msg        string
		spf, dkim  string
		dmarc      string
		authResult string
	}{
		{"aligned SPF and DKIM", "m@member.example", sign(fromMessage("m@member.example", "a")),
			"pass", "pass", "pass", "spf=pass smtp.mailfrom=member.example; dkim=pass header.d=member.example; dmarc=pass header.from=member.example"},
		{"SPF alone, relaxed alignment", "b@bounces.member.example", fromMessage("m@member.example", "b"),
			"pass", "none", "pass", "dmarc=pass header.from=member.example"},
		{"forged From", "x@forged.example", fromMessage("ceo@forged.example", "c"),
			"fail", "none", "fail", "spf=fail smtp.mailfrom=forged.example"},
		{"DKIM broken in transit", "m@nodmarc.example", strings.Replace(sign(fromMessage("m@member.example", "d")), "hello", "HELLO", 1),
			"pass", "fail", "fail", "dkim=fail header.d=member.example"},
		{"DKIM rescues a forwarded message", "fwd@forged.example", sign(fromMessage("m@member.example", "e")),
			"fail", "pass", "pass", "dmarc=pass"},
		{"no DMARC record", "m@nodmarc.example", fromMessage("m@nodmarc.example", "f"),
			"pass", "none", "none", "dmarc=none header.from=nodmarc.example"},
		{"DNS failure", "m@broken-dns.example", fromMessage("m@broken-dns.example", "g"),
			"temperror", "none", "temperror", "spf=temperror"},
		{"null sender uses HELO", "", fromMessage("MAILER-DAEMON@member.example", "h"),
			"none", "none", "fail", "spf=none smtp.helo=client.member.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := mustQueue(t, e.addr, tc.mailFrom, []string{"help@support.localhost"}, tc.msg)
			d := e.ticket(ref)
			got := d.Messages[0].Auth
			if got.SPF != tc.spf || got.DKIM != tc.dkim || got.DMARC != tc.dmarc {
				t.Errorf("verdicts spf=%s dkim=%s dmarc=%s, want %s %s %s", got.SPF, got.DKIM, got.DMARC, tc.spf, tc.dkim, tc.dmarc)
			}
			if d.Auth != got {
				t.Errorf("ticket verdicts %+v differ from its message's %+v", d.Auth, got)
			}
			if ar := d.Messages[0].AuthResults; !strings.Contains(ar, tc.authResult) {
				t.Errorf("Authentication-Results %q lacks %q", ar, tc.authResult)
			}
			// A result without parameters ends at its value: "dkim=none;",
			// not "dkim=none ;".
			if ar := d.Messages[0].AuthResults; strings.Contains(ar, " ;") || strings.HasSuffix(ar, " ") {
				t.Errorf("Authentication-Results %q has a stray space", ar)
			}
		})
	}
}

func TestDMARCRejectWhenConfigured(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.RejectDMARCFail = true })
	authZone(t, e)
	code, text := sendMail(t, e.addr, "x@forged.example", []string{"help@support.localhost"}, fromMessage("ceo@forged.example", "x"))
	if code != 550 || !strings.HasPrefix(text, "550 5.7.1") {
		t.Errorf("DMARC fail with p=reject: %d %q", code, text)
	}
	// A failing domain without p=reject is still accepted and flagged.
	e.dns.setTXT("_dmarc.forged.example", "v=DMARC1; p=quarantine")
	ref := mustQueue(t, e.addr, "x@forged.example", []string{"help@support.localhost"}, fromMessage("ceo@forged.example", "y"))
	if d := e.ticket(ref); d.Auth.DMARC != "fail" {
		t.Errorf("dmarc %q", d.Auth.DMARC)
	}
	if n := len(e.tickets()); n != 1 {
		t.Errorf("%d tickets", n)
	}
}
