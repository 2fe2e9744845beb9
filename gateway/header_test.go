package gateway

import (
	"strings"
	"testing"

	"github.com/intake-mail/intake/mailproto"
)

func TestParseHeaderAndRebuild(t *testing.T) {
	raw := "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n" +
		"From: Member <m@member.example>\r\n" +
		"X-Intake-Verdict: clean\r\n" +
		"x-INTAKE-queue: billing\r\n" +
		"  continued\r\n" +
		"Authentication-Results: mx.support.localhost; spf=pass\r\n" +
		"Authentication-Results: mx.other.example; spf=fail\r\n" +
		"Subject: hello\r\n" +
		"\tworld\r\n" +
		"\r\n" +
		"X-Intake-Body: not a header\r\n"
	h := parseHeader([]byte(raw))
	if got := len(h.fields); got != 7 {
		t.Fatalf("%d fields, want 7", got)
	}
	if got := h.get("subject"); got != "hello\tworld" {
		t.Errorf("unfolded subject = %q", got)
	}
	if h.count("received") != 1 {
		t.Error("Received not counted")
	}
	out := string(h.rebuild([]string{"Received: by us\r\n"}, senderSupplied("mx.support.localhost"), len(raw)))
	want := "Received: by us\r\n" +
		"Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n" +
		"From: Member <m@member.example>\r\n" +
		"Authentication-Results: mx.other.example; spf=fail\r\n" +
		"Subject: hello\r\n\tworld\r\n" +
		"\r\n" +
		"X-Intake-Body: not a header\r\n"
	if out != want {
		t.Errorf("rebuild:\n%s\nwant:\n%s", out, want)
	}
}

func TestParseHeaderOdd(t *testing.T) {
	cases := []struct {
		name, raw string
		fields    int
		body      string
	}{
		{"header only", "Subject: x\r\n", 1, ""},
		{"header only no CRLF", "Subject: x", 1, ""},
		{"body only", "\r\nhello\r\n", 0, "hello\r\n"},
		{"not a field ends the header", "Subject: x\r\nthis is body\r\nmore\r\n", 1, "this is body\r\nmore\r\n"},
		{"space in name", "Bad Name: x\r\n\r\nb\r\n", 0, "Bad Name: x\r\n\r\nb\r\n"},
		{"empty", "", 0, ""},
	}
	for _, tc := range cases {
		h := parseHeader([]byte(tc.raw))
		if len(h.fields) != tc.fields || string(h.body) != tc.body {
			t.Errorf("%s: %d fields, body %q; want %d, %q", tc.name, len(h.fields), h.body, tc.fields, tc.body)
		}
		// Rebuilding with nothing added or dropped loses nothing.
		if out := string(h.rebuild(nil, nil, len(tc.raw))); strings.TrimSuffix(out, "\r\n") != strings.TrimSuffix(tc.raw, "\r\n") {
			t.Errorf("%s: rebuild = %q, want %q", tc.name, out, tc.raw)
		}
	}
}

// TestFoldedFieldReadsBack: what the gateway prepends (folded by
// mailproto) its own header parser reads back whole.
func TestFoldedFieldReadsBack(t *testing.T) {
	v := "mx.support.localhost; spf=pass smtp.mailfrom=member.example; dkim=pass header.d=member.example; dmarc=pass header.from=member.example"
	out := mailproto.FoldField("Authentication-Results", v)
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
	h := parseHeader([]byte(out + "\r\n"))
	if got := h.get("authentication-results"); strings.Join(strings.Fields(got), " ") != v {
		t.Errorf("folded value reads back as %q", got)
	}
}
