package scan

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/intake-mail/intake/scan/internal/corpus"
)

// bigMessage is a single-part message of header and about n bytes of
// prose, with each plant inserted at its offset in the file (the highest
// first, so each lands where it says): a number can be cut by a piece
// boundary exactly.
func bigMessage(header string, n int, plants ...plant) []byte {
	raw := []byte("From: Member <m@example.org>\r\nTo: help@support.localhost\r\nSubject: export\r\n" + header + "\r\n")
	raw = append(raw, corpus.Prose(n, 21)...)
	for i := len(plants) - 1; i >= 0; i-- {
		p := plants[i]
		at := min(p.at, len(raw))
		raw = append(raw[:at], append([]byte(p.text), raw[at:]...)...)
	}
	return raw
}

type plant struct {
	at   int
	text string
}

// straddle plants text across the k-th piece boundary, cut after its
// first cut bytes.
func straddle(k, cut int, text string) plant { return plant{k*streamPiece - cut, text} }

// scanBoth scans raw whole (ScanFile) and through the window
// (ScanReader), and fails the test when the results differ in anything.
// It reports whether the window read it to the end.
func scanBoth(t *testing.T, raw []byte) (*Result, bool) {
	t.Helper()
	return sameThroughWindow(t, New(policyLimits(ImagesWithhold, "")).WithoutText(), raw)
}

func sameThroughWindow(t *testing.T, sc *Scanner, raw []byte) (*Result, bool) {
	t.Helper()
	whole, err := sc.ScanFile(context.Background(), "m.eml", raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sc.ScanReader(context.Background(), "m.eml", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, whole) {
		t.Fatalf("streamed %s (%d parts)\nwhole    %s (%d parts)", summary(got), len(got.Parts), summary(whole), len(whole.Parts))
	}
	head := min(len(raw), max(streamPiece, 4*streamMinBody))
	_, streamed, _ := sc.scanStreamed(context.Background(), "m.eml", raw[:head], bytes.NewReader(raw[head:]))
	return got, streamed
}

// TestScanReaderSameAsWhole: `intake scan` through the window finds
// exactly what the whole walk finds, numbers cut by every kind of piece
// boundary included, and reads plain bodies to the end through it.
func TestScanReaderSameAsWhole(t *testing.T) {
	n := 3*streamPiece + 12345
	card, ssn := "card 4111 1111 1111 1111 thanks ", "SSN 489-36-8350 "
	cases := []struct {
		name     string
		raw      []byte
		want     string
		streamed bool
	}{
		{"numbers across piece boundaries", bigMessage("Content-Type: text/plain; charset=utf-8\r\n", n,
			straddle(1, 12, card), straddle(2, 7, ssn), straddle(3, 1, "4111111111111111 ")), "body=pan:1111 body=pan:1111 body=ssn:8350", true},
		{"keyword in the piece before", bigMessage("", n,
			straddle(1, 200, "my social security number is\n"), straddle(1, 0, " 489368350 ")), "body=ssn:8350", true},
		{"keyword in the piece after", bigMessage("Content-Type: text/plain\r\n", n,
			straddle(2, 20, " 489368350 "), straddle(2, -150, " is my SSN ")), "body=ssn:8350", true},
		{"keyword too far", bigMessage("", n, straddle(2, 20, " 489368350 "), straddle(2, -400, " is my SSN ")), "", true},
		{"row of cells across a boundary", bigMessage("", n, straddle(1, 9, "\nSSN\n489\t36\t8350\n")), "body=ssn:8350", true},
		{"a character cut by a boundary", bigMessage("", n, straddle(1, 2, " カード４１１１ １１１１ １１１１ １１１１ ")), "body=pan:1111", true},
		{"numbers in the header too", bigMessage("Content-Type: text/plain; charset=us-ascii\r\nCc: \"4111 1111 1111 1111\" <a@example.org>\r\n", n, straddle(1, 5, ssn)), "body=ssn:8350 header:cc=pan:1111", true},
		{"an escape in the third piece", bigMessage("", n, straddle(2, -500, "card 4111&#32;1111&#32;1111&#32;1111 ")), "body=pan:1111", false},
		{"bytes that are not UTF-8", bigMessage("", n, straddle(2, -10, "caf\xe9 4111 1111 1111 1111 ")), "body=pan:1111", false},
		{"base64 across a boundary", bigMessage("", n, straddle(1, 20, ".(Y2FyZCA0MTExIDExMTEgMTExMSAxMTExIHRoYW5rcw==).")), "body=pan:1111", false},
		{"ISO-2022 escape", bigMessage("", n, straddle(2, 0, "\x1b$B#4#1\x1b(B ")), "", false},
		{"flowed", bigMessage("Content-Type: text/plain; format=flowed; delsp=yes\r\n", n, straddle(1, 6, "4111 1111 \r\n1111 1111 ")), "body=pan:1111", false},
		{"an attachment", bigMessage("Content-Type: text/plain; name=orders.txt\r\n", n, straddle(1, 6, card)), "attachment:orders.txt=pan:1111", false},
		{"HTML", bigMessage("Content-Type: text/html\r\n", n, straddle(1, 6, "<p>4111<b>1111</b>1111 1111</p> ")), "body=pan:1111", false},
		{"quoted-printable", bigMessage("Content-Transfer-Encoding: quoted-printable\r\n", n, straddle(1, 6, "4111 1111 11=\r\n11 1111 ")), "body=pan:1111", false},
		{"small", []byte("From: a@example.org\r\nSubject: x\r\n\r\nSSN 489-36-8350\r\n"), "body=ssn:8350", false},
		{"not a message", corpus.Prose(2*streamPiece, 5), "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, streamed := scanBoth(t, tc.raw)
			if got := summary(res); got != tc.want {
				t.Errorf("found %q, want %q", got, tc.want)
			}
			if streamed != tc.streamed {
				t.Errorf("read through the window: %v, want %v", streamed, tc.streamed)
			}
		})
	}
}

// TestScanReaderEveryCut: a card cut by the first piece boundary at each
// of its bytes, and an SSN word at each distance around the window's
// reach, give the whole walk's answer.
func TestScanReaderEveryCut(t *testing.T) {
	n := 2*streamPiece + 999
	card := "my card 4111 1111 1111 1111 12/27 thanks "
	for cut := -2; cut <= len(card)+2; cut++ {
		if _, streamed := scanBoth(t, bigMessage("", n, straddle(1, cut, card))); !streamed {
			t.Fatalf("cut at %d: not read through the window", cut)
		}
	}
	for d := keywordWindow - 8; d <= keywordWindow+8; d++ {
		scanBoth(t, bigMessage("", n, straddle(1, 3, " 489368350"), straddle(1, -d, " SSN ")))
		scanBoth(t, bigMessage("", n, straddle(1, d+12, "SSN "+strings.Repeat(" ", 0)), straddle(1, 3, " 489368350 ")))
	}
}

// FuzzScanReader: a message whose plain body holds the fuzzer's bytes,
// cut into pieces of a few KiB, is found through the window exactly as
// the whole walk finds it, or read whole: never otherwise.
func FuzzScanReader(f *testing.F) {
	for _, s := range []string{"card 4111 1111 1111 1111", "SSN\n489\t36\t8350\n", "my ssn 489368350", "\xe3\x82\xab 4111 1111", "a%20b", "4111 1111 1111 111"} {
		f.Add([]byte(s), uint16(700), uint16(5000))
	}
	old := streamPiece
	defer func() { streamPiece = old }()
	streamPiece = 4096
	pad := corpus.Prose(8*streamContext, 8)
	sc := New(policyLimits(ImagesWithhold, "")).WithoutText()
	f.Fuzz(func(t *testing.T, body []byte, at, piece uint16) {
		if len(body) > 4096 {
			return
		}
		streamPiece = 1024 + int(piece)%8192
		k := int(at) % len(pad)
		raw := []byte("From: a@example.org\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\n")
		raw = append(append(append(raw, pad[:k]...), body...), pad[k:]...)
		_, streamed := sameThroughWindow(t, sc, raw)
		if bytes.ContainsAny(body, "%&\\\x1b") || !utf8.Valid(raw) || hasBase64Run(raw) {
			return // read whole, as it must be
		}
		if !streamed {
			t.Fatal("a plain body was not read through the window")
		}
	})
}
