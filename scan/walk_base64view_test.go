package scan

import (
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
