package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// planted are published test numbers, in the spellings a leak would take.
var planted = []string{
	"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
	"5555555555554444", "378282246310005", "4012888888881881",
	"078-05-1123", "078051123", "489-36-8350", "489368350",
}

func utf16le(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		b.WriteByte(byte(u))
		b.WriteByte(byte(u >> 8))
	}
	return b.Bytes()
}

// TestNoPlaintextAnywhere sends sensitive mail through SMTP and then reads
// every file in the data directory, the captured logs and the metrics:
// not one planted number may appear, in ASCII or UTF-16.
func TestNoPlaintextAnywhere(t *testing.T) {
	e := newEnv(t)
	attachment := base64.StdEncoding.EncodeToString([]byte("Amex on file: 378282246310005\r\n"))
	msgs := []string{
		message([]string{
			`From: "SSN 078-05-1123" <m@member.example>`,
			"To: help@support.localhost",
			"Subject: my card 4111 1111 1111 1111",
			"Message-ID: <ssn-489-36-8350@member.example>",
			"MIME-Version: 1.0",
			`Content-Type: multipart/mixed; boundary="b1"`,
		}, "--b1\n"+
			"Content-Type: text/plain; charset=utf-8\n\n"+
			"SSN 489-36-8350 and card 5555 5555 5555 4444.\n"+
			"--b1\n"+
			"Content-Type: text/html; charset=utf-8\n\n"+
			"<p>Visa <b>4012888888881881</b></p>\n"+
			"--b1\n"+
			"Content-Type: text/plain; name=card.txt\n"+
			"Content-Disposition: attachment; filename=card.txt\n"+
			"Content-Transfer-Encoding: base64\n\n"+
			attachment+"\n"+
			"--b1--\n"),
		simpleMessage("ssn 078051123", "social security number 078051123\n"),
		message([]string{"From: m@member.example", "Subject: 4111-1111-1111-1111"}, "no message id, card 4111-1111-1111-1111\n"),
	}
	for _, m := range msgs {
		mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, m)
	}
	// A refused one leaves nothing either.
	sendMail(t, e.addr, "m@member.example", []string{"nobody@other.example"}, msgs[1])

	metrics := e.metricsText()
	if !strings.Contains(metrics, `intake_findings_total{type="pan"}`) || !strings.Contains(metrics, `intake_findings_total{type="ssn"}`) {
		t.Errorf("findings not counted:\n%s", metrics)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	if err := e.store.get().Close(); err != nil {
		t.Fatal(err)
	}
	e.store.set(nil)

	if strings.Count(e.logs.String(), `"msg":"accepted"`) != len(msgs) {
		t.Errorf("expected %d accepted log lines", len(msgs))
	}
	haystacks := map[string][]byte{"logs": []byte(e.logs.String()), "metrics": []byte(metrics)}
	files := filesUnder(t, e.dir)
	if len(files) == 0 {
		t.Fatal("no files in the data directory")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		haystacks[f] = b
	}
	for where, b := range haystacks {
		for _, n := range planted {
			if bytes.Contains(b, []byte(n)) || bytes.Contains(b, utf16le(n)) {
				// Say where and which (by its last four), never the number.
				t.Errorf("%s holds the planted number ending %s", where, n[len(n)-4:])
			}
		}
	}
}
