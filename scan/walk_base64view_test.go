package scan

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/charset"
)

// hasBase64RunByByte is hasBase64Run read one byte at a time, as it was
// before it learned to skip: the reference.
func hasBase64RunByByte(text []byte) bool {
	run := 0
	for _, c := range text {
		if isBase64Char(c) {
			run++
			if run >= minBase64Run {
				return true
			}
		} else if c != '=' && c != '\n' && c != '\r' {
			run = 0
		}
	}
	return false
}

// TestHasBase64RunSkips: the skipping search answers as the byte-by-byte
// one does, on runs just under, at and over the length, padding and line
// breaks inside them, at either end of the text.
func TestHasBase64RunSkips(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	alphabet := "ab9+/_-=\r\n .,é\x00"
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		for n := r.IntN(120); n > 0; n-- {
			if r.IntN(4) == 0 {
				b.WriteString(strings.Repeat("Q", r.IntN(40)))
			}
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		text := []byte(b.String())
		if got, want := hasBase64Run(text), hasBase64RunByByte(text); got != want {
			t.Fatalf("hasBase64Run(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestControlBytesAgreesWithMostlyText: bytes controlBytes refuses are
// bytes mostlyText refuses once decoded, whatever they are.
func TestControlBytesAgreesWithMostlyText(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 3))
	for i := 0; i < 300000; i++ {
		b := make([]byte, 1+r.IntN(40))
		for k := range b {
			switch r.IntN(4) {
			case 0:
				b[k] = byte(r.IntN(0x20))
			case 1:
				b[k] = byte(0x80 + r.IntN(0x80))
			default:
				b[k] = byte(0x20 + r.IntN(0x60))
			}
		}
		if !controlBytes(b) {
			continue
		}
		if text, _, problem := charset.Decode(b, ""); problem == "" && mostlyText(text) {
			t.Fatalf("controlBytes refused %q, which reads as text", b)
		}
	}
}

// A column of numbers across its lines is a run of base64 characters
// without a letter: it is not decoded (it could not spell a number), while
// the same length of real base64 still is.
func TestBase64ViewSkipsLetterlessRuns(t *testing.T) {
	digits := []byte(strings.Repeat("20261206093512\n88172365501234\n", 8))
	if !hasBase64Run(digits) {
		t.Fatal("the column is a base64-looking run; the test reads nothing")
	}
	if v := base64View(digits); v != nil {
		t.Fatalf("a letterless run was decoded to %d bytes", len(v))
	}
	enc := []byte(base64.StdEncoding.EncodeToString([]byte("please update my account, the card ends 1111 thanks")))
	if v := base64View(enc); !bytes.Contains(v, []byte("ends 1111")) {
		t.Fatalf("real base64 no longer decoded: %q", v)
	}
	// Every non-letter quantum: no two ASCII digits side by side.
	for _, q := range []string{"0000", "9999", "5+/9", "4444", "8/+0", "____", "7-7-"} {
		dec, err := base64.URLEncoding.DecodeString(strings.NewReplacer("+", "-", "/", "_").Replace(q))
		if err != nil {
			t.Fatal(err)
		}
		if dec[0] < 0xd0 || dec[1] < 0x4d {
			t.Errorf("%s decodes to % x: the first two bytes should be 0xd0+ and 0x4d+", q, dec)
		}
	}
}
