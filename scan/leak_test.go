package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
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

// TestNoFullNumberInResultReadableClasses does the same for the spellings
// the leak issues found scanned clean: tab-separated cells, format
// characters between digits, numbers glued to CJK text, a card after a
// word and a hyphen (in a file name), an SSN with mixed separators.
func TestNoFullNumberInResultReadableClasses(t *testing.T) {
	numbers := []string{"4111111111111111", "5555555555554444", "378282246310005", "4929737510871095", "489368350", "589937059", "6011000990139424"}
	name := mime.BEncoding.Encode("utf-8", "カード３７８２８２２４６３１０００５です")
	raw := msg("Subject: =?utf-8?q?card_5555=E2=81=A05555=E2=80=8E5555=C2=AD4444?=\r\nCc: "+name+" <c@example.org>\r\n"+
		"Content-Type: multipart/mixed; boundary=b\r\n", []byte(
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCard\t4111\t1111\t1111\t1111\t12/27\r\nSSN\t489\t36\t8350\r\n"+
			"我的卡号是6011\u20600009\u20609013\u20609424谢谢\r\n"+
			"--b\r\nContent-Type: text/plain; name=\"card-4929737510871095.bin\"\r\nContent-Disposition: attachment\r\n\r\nmy social security number is 589 93-7059\r\n"+
			"--b--\r\n"))
	res, err := New(DefaultLimits()).Scan(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) < 7 {
		t.Errorf("only %d findings: %s", len(res.Findings), summary(res))
	}
	all, _ := json.Marshal(res)
	all = append(all, fmt.Sprintf("%+v %v", res, res.Findings)...)
	var digits strings.Builder
	for _, r := range string(all) {
		if v, ok := unicodeDigitOrASCII(r); ok {
			digits.WriteByte(byte('0' + v))
		}
	}
	for _, n := range numbers {
		if strings.Contains(digits.String(), n) {
			t.Errorf("a planted number ending %s escapes in the result", n[len(n)-4:])
		}
	}
}

func unicodeDigitOrASCII(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	return unicodeDigit(r)
}
