package gateway

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/emersion/go-smtp"

	"github.com/intake-mail/intake/mailproto"
)

// TestNewlines: what strict and normalizing reads accept, and what the
// stored message looks like.
func TestNewlines(t *testing.T) {
	cases := []struct {
		in        string
		strict    bool   // accepted from an untrusted client
		normal    bool   // accepted from a trusted (loopback) client
		normalOut string // stored, when normalized
	}{
		{"", true, true, ""},
		{"abc\r\n", true, true, "abc\r\n"},
		{"a\r\nb\r\n", true, true, "a\r\nb\r\n"},
		{"a\nb\n", false, true, "a\r\nb\r\n"},
		{"a\rb\r\n", false, false, ""},
		{"a\r\r\n", false, false, ""},
		{"a\r", false, false, ""},
		{"a\r\n.\n", false, false, ""},                // <LF>.<LF> after CRLF: smuggling
		{"a\n.\nMAIL FROM:<x@y>\n", false, false, ""}, // the classic
		{"a\n.\r\nb\r\n", false, false, ""},
		{"a\r.\r\nb\r\n", false, false, ""},
		{"a\n..\nb\n", false, true, "a\r\n..\r\nb\r\n"},
		{"a\n.b\n", false, true, "a\r\n.b\r\n"},
		{"a\r\n\nb\n", false, false, ""}, // CRLF . LF after go-smtp ate the dot
		{"\nb\r\n", false, false, ""},
		{"a\n\nb\n", false, true, "a\r\n\r\nb\r\n"},
	}
	for _, tc := range cases {
		for _, normalize := range []bool{false, true} {
			// One byte at a time too: line ends split across reads.
			for _, oneByte := range []bool{false, true} {
				var r io.Reader = strings.NewReader(tc.in)
				if oneByte {
					r = iotest.OneByteReader(r)
				}
				var buf bytes.Buffer
				rep := readMessage(r, &buf, 1<<20, normalize)
				want := tc.strict
				if normalize {
					want = tc.normal
				}
				if got := rep.Code == 0; got != want {
					t.Errorf("readMessage(%q, normalize %v, one byte %v) accepted %v, want %v", tc.in, normalize, oneByte, got, want)
				}
				if normalize && want && buf.String() != tc.normalOut {
					t.Errorf("readMessage(%q) stored %q, want %q", tc.in, buf.String(), tc.normalOut)
				}
			}
		}
	}
}

func TestReadMessage(t *testing.T) {
	big := strings.Repeat("x", 60) + "\r\n"
	cases := []struct {
		name string
		r    io.Reader
		max  int64
		want Reply
	}{
		{"clean", strings.NewReader("Subject: hi\r\n\r\nbody\r\n"), 1 << 20, Reply{}},
		{"clean one byte at a time", iotest.OneByteReader(strings.NewReader("Subject: hi\r\n\r\nbody\r\n")), 1 << 20, Reply{}},
		{"bare LF", strings.NewReader("Subject: hi\r\n\r\nbody\n.\nMAIL FROM:<x@y>\r\n"), 1 << 20, replyBareNewline},
		{"bare LF split", iotest.OneByteReader(strings.NewReader("a\r\nb\nc\r\n")), 1 << 20, replyBareNewline},
		{"bare CR", strings.NewReader("a\rb\r\n"), 1 << 20, replyBareNewline},
		{"too big", strings.NewReader(strings.Repeat(big, 100)), 1000, replyTooBig},
		{"go-smtp too big", iotest.ErrReader(smtp.ErrDataTooLarge), 1 << 20, replyTooBig},
		{"line too long", iotest.ErrReader(smtp.ErrTooLongLine), 1 << 20, replyLineTooLong},
		{"client gone", iotest.ErrReader(io.ErrUnexpectedEOF), 1 << 20, Reply{mailproto.C421ServiceUnavailable, enhBadConnection, "Connection error, message not accepted", "client_abort"}},
		{"internal error text never shown", iotest.ErrReader(errors.New("secret internal detail")), 1 << 20, Reply{mailproto.C421ServiceUnavailable, enhBadConnection, "Connection error, message not accepted", "client_abort"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if got := readMessage(tc.r, &buf, tc.max, false); got != tc.want {
				t.Fatalf("readMessage = %+v, want %+v", got, tc.want)
			}
		})
	}
}
