package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// TestNoFullNumberInResult scans a message holding numbers in many places
// and spellings, then looks at everything the Result offers a caller (every
// string, marshalled) for any of them in any spelling.
func TestNoFullNumberInResult(t *testing.T) {
	numbers := []string{"4539148803436467", "489368350", "378282246310005", "6011000400000000"}
	raw := msg("Subject: =?utf-8?q?SSN_489=2D36=2D8350?=\r\nCc: \"4539 1488 0343 6467\" <c@example.org>\r\n"+
		"Content-Type: multipart/mixed; boundary=b\r\n", []byte(
		"--b\r\nContent-Type: text/html\r\n\r\n<p>3782&nbsp;822463&nbsp;10005</p><!-- 6011-0004-0000-0000 -->\r\n"+
			"--b\r\nContent-Type: text/plain; name=\"x 489-36-8350.txt\"\r\nContent-Disposition: attachment\r\n\r\n> 6011 0004\r\n> 0000 0000\r\n"+
			"--b\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\n\xff\xfe 4539148803436467\r\n"+
			"--b--\r\n"))
	res, err := New(DefaultLimits()).Scan(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) < 6 {
		t.Errorf("only %d findings: %s", len(res.Findings), summary(res))
	}
	all, _ := json.Marshal(res)
	all = append(all, fmt.Sprintf("%+v %v", res, res.Findings)...)
	var digits strings.Builder
	for _, r := range string(all) {
		if unicode.IsDigit(r) {
			digits.WriteRune(r)
		}
	}
	for _, n := range numbers {
		if strings.Contains(digits.String(), n) {
			t.Errorf("a planted number ending %s escapes in the result", n[len(n)-4:])
		}
	}
}
