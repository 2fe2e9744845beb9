package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDetect: no panic, matches in order, in bounds, not overlapping, and
// what masking shows of each holds at most four digits.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"4111 1111 1111 1111", "SSN 489368350", "489-36-8350", "4111\n> 1111 1111 1111",
		"４１１１ １１１１ １１１１ １１１１", "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9", "4111=\r\n1111111111111111",
		"0.4111111111111111", "http://x.example/4111111111111111", "4111&nbsp;1111&nbsp;1111&nbsp;1111",
		"\xff\xfe4\x001\x00", "ssn ٤٨٩٣٦٨٣٥٠",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		ms := Detect(text)
		prev := 0
		for _, m := range ms {
			if m.Start < prev || m.End <= m.Start || m.End > len(text) {
				t.Fatalf("match [%d,%d) out of order or bounds (prev end %d, len %d)", m.Start, m.End, prev, len(text))
			}
			prev = m.End
			if len(m.Last4) != 4 || countDigits(m.Masked) > 4 {
				t.Fatalf("match shows more than four digits: %q", m.Masked)
			}
			if m.Kind != KindSSN && m.Kind != KindPAN {
				t.Fatalf("bad kind %q", m.Kind)
			}
		}
		if masked := Mask(text, ms); len(ms) > 0 && len(masked) == 0 {
			t.Fatal("masking lost the text")
		}
		// The fast path for short runs finds exactly what the parser finds.
		noFastPath = true
		slow := Detect(text)
		noFastPath = false
		if len(slow) != len(ms) {
			t.Fatalf("fast path found %d numbers, full parser %d", len(ms), len(slow))
		}
		for i := range ms {
			if ms[i] != slow[i] {
				t.Fatalf("fast path and full parser differ: %s vs %s", ms[i].Masked, slow[i].Masked)
			}
		}
	})
}

func countDigits(s string) int {
	n := 0
	b := []byte(s)
	for i := 0; i < len(b); {
		_, size, ok := digitAt(b, i)
		if ok {
			n++
		}
		i += size
	}
	return n
}

// FuzzScan: the whole walk never panics, never hangs past its budget, and
// every finding is located and shows at most four digits.
func FuzzScan(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/*.eml")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"Subject: =?utf-8?q?card_4111_1111_1111_1111?=\r\n\r\nhello\r\n",
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nNDExMSAxMTExIDExMTEgMTExMQ==\r\n--x--\r\n",
		"Content-Type: text/html\r\n\r\n<p>4111<b>1111</b>1111&nbsp;1111</p>",
		"Content-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\n489-36-8350\r\n",
		"Content-Type: text/plain; charset=utf-16\r\n\r\n\xfe\xff\x004\x001",
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\ntruncated",
		"Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\n> 41111111 \r\n> 11111111\r\n",
		"Content-Type: text/html\r\n\r\n<img src=\"data:image/png;base64,iVBORw0KGgo=\"><a href=\"data:text/plain,%34%31\">",
		"Content-Type: multipart/mixed; boundary=x\r\n\r\npreamble 4111\r\n--x\r\nContent-Type: a/b\r\nContent-Type: text/plain\r\n\r\n&#52;\r\n--x--\r\nepilogue",
		"Content-Type: text/plain; charset=utf-7\r\n\r\n+ADQAMQAx-1 +AC0-",
		"Content-Type: text/plain; charset=iso-2022-kr\r\n\r\n\x1b$)C\x0e#4#1\x0f\x1bN#4",
		"Content-Type: text/plain; charset=utf-32\r\n\r\n4\x00\x00\x001\x00\x00\x00",
		"Content-Type: application/pgp-signature\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n\r\niAA=\r\n-----END PGP SIGNATURE-----\r\n",
		"From: =?utf-16?b?NDExMQ?= =?koi8-r*ru?q?=E9_1?=\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	recoverPanics = false
	lim := DefaultLimits()
	lim.MaxTime = 2 * time.Second
	lim.MaxDecodedBytes = 8 << 20
	sc := New(lim)
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		// A hang must crash the worker, so the fuzzer keeps the input.
		watchdog := time.AfterFunc(20*time.Second, func() { panic("Scan hung past its time budget") })
		defer watchdog.Stop()
		res, err := sc.Scan(context.Background(), raw)
		if err != nil {
			t.Fatalf("Scan error: %v", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("Scan took %v, budget 2s", d)
		}
		for _, fd := range res.Findings {
			if fd.Where == "" || countDigits(fd.Masked) > 4 {
				t.Fatalf("bad finding %+v", fd)
			}
		}
		for _, u := range res.Unscannable {
			if u.Where == "" || u.Reason == "" {
				t.Fatalf("bad unscannable %+v", u)
			}
		}
	})
}

// FuzzDecodeHeader: the header decoder never panics, returns valid UTF-8
// and never loses a digit that is plainly in the value outside any word.
func FuzzDecodeHeader(f *testing.F) {
	for _, s := range []string{
		"=?windows-1252?Q?Jos=E9_card_4111_1111_1111_1111?= <jose@example.org>",
		"=?utf-16?B?NDExMSAxMTEx?=", "=?utf-7?Q?+ADQ-?=", "=?iso-2022-kr?B?GyQpQw4jNA8=?=", "=?x?q?=ZZ?=",
		"=?utf-8?b?4oKs?= =?utf-8?b?4oK?= x", "2+2=?4", "\x82\x53 raw",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		text, _ := DecodeHeader(v)
		if !utf8.ValidString(text) {
			t.Fatalf("decoded header is not UTF-8")
		}
		if !strings.Contains(v, "=?") && isASCII(v) && !strings.ContainsRune(v, 0x1b) && digitsOf(text) != digitsOf(v) {
			t.Fatalf("digits changed in a plain header")
		}
	})
}
