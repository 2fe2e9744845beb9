package mailproto

import (
	"strings"
	"testing"
)

func TestSplitAddress(t *testing.T) {
	cases := []struct {
		in, local, domain string
		ok                bool
	}{
		{"ann@Member.Example.", "ann", "member.example", true},
		{"a@b@member.example", "a@b", "member.example", true},
		{"MAILER-DAEMON", "MAILER-DAEMON", "", false},
		{"@member.example", "", "member.example", false},
		{"ann@", "ann", "", false},
		{"ann@bücher.example", "ann", "xn--bcher-kva.example", true},
	}
	for _, c := range cases {
		l, d, ok := SplitAddress(c.in)
		if l != c.local || d != c.domain || ok != c.ok {
			t.Errorf("SplitAddress(%q) = %q, %q, %v; want %q, %q, %v", c.in, l, d, ok, c.local, c.domain, c.ok)
		}
	}
}

// TestParseAddress: what the gateway routes and the configuration
// accepts. The refusals are relay tricks or not addresses at all.
func TestParseAddress(t *testing.T) {
	cases := []struct {
		in     string
		domain string // "" when refused
	}{
		{"anyone@SUPPORT.localhost.", "support.localhost"},
		{"x%victim.example@support.localhost", "support.localhost"}, // a local part, never routed
		{`"a b"@support.localhost`, "support.localhost"},
		{"@relay.example:x@support.localhost", ""},
		{"x@[127.0.0.1]", ""},
		{"a,b@support.localhost", ""},
		{"a b@support.localhost", ""},
		{"x@exa!mple.org", ""},
		{"nobody", ""},
		{"x@", ""},
		{"@x.example", ""},
	}
	for _, c := range cases {
		_, d, ok := ParseAddress(c.in)
		if ok != (c.domain != "") || d != c.domain {
			t.Errorf("ParseAddress(%q) = %q, %v; want %q", c.in, d, ok, c.domain)
		}
	}
}

func TestDeliverable(t *testing.T) {
	cases := []struct{ in, want string }{
		{"<ann@Member.Example>", "ann@member.example"},
		{" ann@member.example ", "ann@member.example"},
		{"root@localhost", "root@localhost"},
		{"ann@member", ""},
		{"Ann <ann@member.example>", ""},
		{"ann@member.example\r\nBcc: x@y.example", ""},
		{"", ""},
		{"<>", ""},
		{strings.Repeat("a", 250) + "@b.example", ""},
	}
	for _, c := range cases {
		got, ok := Deliverable(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Deliverable(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestDomains(t *testing.T) {
	for in, want := range map[string]string{
		" Mail.Google.COM. ": "mail.google.com",
		"BÜCHER.example":     "xn--bcher-kva.example",
		"_dmarc.example.org": "_dmarc.example.org", // IDNA refuses it; left for the caller
	} {
		if got := NormDomain(in); got != want {
			t.Errorf("NormDomain(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"mail.google.com":   "google.com",
		"a.b.example.co.uk": "example.co.uk",
		"localhost":         "localhost",
		"bücher.co.uk":      "xn--bcher-kva.co.uk",
	} {
		if got := OrgDomain(in); got != want {
			t.Errorf("OrgDomain(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]bool{"mx.support.example": true, "Support.Localhost": true, "a-.example": false, "a_b.example": false, "example.": false, "": false} {
		if got := ValidHostname(in); got != want {
			t.Errorf("ValidHostname(%q) = %v", in, got)
		}
	}
}

func TestFoldField(t *testing.T) {
	v := "mx.support.localhost; spf=pass smtp.mailfrom=member.example; dkim=pass header.d=member.example; dmarc=pass header.from=member.example"
	out := FoldField("Authentication-Results", v)
	if !strings.HasSuffix(out, "\r\n") || strings.Count(out, "\r\n") < 2 {
		t.Fatalf("not folded into a field: %q", out)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
	unfolded := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", " ")
	if unfolded != "Authentication-Results: "+v {
		t.Errorf("unfolds to %q", unfolded)
	}
	// A word longer than a line stays whole on its own line.
	long := strings.Repeat("x", 100)
	if out := FoldField("Subject", "a "+long); out != "Subject: a\r\n "+long+"\r\n" {
		t.Errorf("long word: %q", out)
	}
	if out := FoldField("X-Loop", "short"); out != "X-Loop: short\r\n" {
		t.Errorf("short field: %q", out)
	}
}

func TestMessageIDs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"<a@b>", []string{"a@b"}},
		{" <a@b> (comment) <c@d>\r\n <e@f>", []string{"a@b", "c@d", "e@f"}},
		{"a@b", []string{"a@b"}},
		{"a@b c@d", nil},
		{"<>", nil},
		{"<a@b", []string{"<a@b"}}, // one word: taken as it is
	}
	for _, c := range cases {
		if got := MessageIDs(c.in); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("MessageIDs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for in, want := range map[string]bool{
		"<CAF=abc@mail.member.example>": true,
		"abc@member.example":            true,
		"no-at-sign":                    false,
		"a b@member.example":            false,
		"a\"b@member.example":           false,
		strings.Repeat("a", 251) + "@x": false,
		"ü@member.example":              false,
	} {
		if got := ValidMessageID(in); got != want {
			t.Errorf("ValidMessageID(%q) = %v", in, got)
		}
	}
}

func TestClass(t *testing.T) {
	if Class(C451LocalError) != ClassTransient || Class(C554TransactionFailed) != ClassPermanent || Class(C250Completed) != ClassSuccess || Class(0) != 0 {
		t.Error("reply classes")
	}
	if EnhOtherSystem[0] != ClassTransient || EnhNotAuthorized[0] != ClassPermanent || EnhOK[0] != ClassSuccess {
		t.Error("enhanced codes of the wrong class")
	}
}
