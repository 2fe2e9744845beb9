package gateway

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/emersion/go-smtp"
)

func TestCRLFOnly(t *testing.T) {
	cases := []struct {
		in    string
		ok    bool
		endCR bool
	}{
		{"", true, false},
		{"abc", true, false},
		{"a\r\nb\r\n", true, false},
		{"a\r\nb\r", true, true},
		{"a\nb", false, false},
		{"a\rb", false, false},
		{"\n", false, false},
		{"a\r\r\n", false, false},
		{"a\r\n.\n", false, false}, // <LF>.<LF> smuggling
		{"a\r\n.\r", true, true},
	}
	for _, tc := range cases {
		ok, endCR := crlfOnly([]byte(tc.in), false)
		if ok != tc.ok || (ok && endCR != tc.endCR) {
			t.Errorf("crlfOnly(%q) = %v, %v; want %v, %v", tc.in, ok, endCR, tc.ok, tc.endCR)
		}
	}
	// Across a chunk boundary.
	if ok, _ := crlfOnly([]byte("\nx"), true); !ok {
		t.Error("CR at the end of one chunk and LF at the start of the next refused")
	}
	if ok, _ := crlfOnly([]byte("x"), true); ok {
		t.Error("CR at the end of one chunk followed by a letter accepted")
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
		{"client gone", iotest.ErrReader(io.ErrUnexpectedEOF), 1 << 20, Reply{codeServiceNotAvail, enhBadConnection, "Connection error, message not accepted", "client_abort"}},
		{"internal error text never shown", iotest.ErrReader(errors.New("secret internal detail")), 1 << 20, Reply{codeServiceNotAvail, enhBadConnection, "Connection error, message not accepted", "client_abort"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if got := readMessage(tc.r, &buf, tc.max); got != tc.want {
				t.Fatalf("readMessage = %+v, want %+v", got, tc.want)
			}
		})
	}
}
