package guard

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// FuzzBytes: any input, read every way, without a panic; every hit names
// a rule and an offset inside the input.
func FuzzBytes(f *testing.F) {
	f.Add([]byte("card 4111 1111 1111 1111, SSN 489-36-8350"))
	f.Add([]byte("\xff\xfe4\x001\x001\x001\x00 \x00"))
	f.Add([]byte("IBAN DE89 3704 0044 0532 0130 00 and CH9300762011623852957"))
	f.Add([]byte("4111 1111 11=\r\n11 1111\n 2222=\n"))
	f.Add([]byte("ＳＳＮ：４８９－３６－８３５０ \U0001d7d2"))
	f.Add([]byte("1Z 1SD 425 86 1213 731 5\nA\t1234\t5678\n4111\t1111\t1111\t1111\n\t9"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, h := range Bytes(b) {
			if h.Offset < 0 || h.Offset >= len(b) {
				t.Fatalf("hit %s outside the input (%d bytes)", h, len(b))
			}
			if h.Rule != RuleCard && h.Rule != RuleSSN {
				t.Fatalf("hit with unknown rule %q", h.Rule)
			}
		}
	})
}

// separators are the ways a member, a mail client or a scanner bug may
// put between the groups of a card.
var separators = []string{
	" ", "  ", "-", " - ", ".", "/", "_", "__", "\t", "\x00", "\x00 \x00", "\x01",
	"\u00a0", "\u2007", "\u202f", "\u3000", "\u2013", "\u2014", "\uff0d", "\u2060",
	"\u200b", "\u200e", "\u00ad", "\n", "\r\n", " \r\n", "\r\n> ", "\n>> ", "-\n", "=\r\n",
}

// FuzzVisaFound is the guard's promise: a Luhn-valid 16-digit Visa
// number, grouped 4-4-4-4 with any one separator (a line break may stand
// for any of them), set as a word of its own into random text, is always
// found. Groups split by tabs are cells of a row, and a row among rows of
// figures is figures (rule 7): such a number is promised on lines of its
// own, set apart by blank lines.
func FuzzVisaFound(f *testing.F) {
	f.Add("Hello", "thanks", uint64(1), uint8(0), uint8(0))
	f.Add("+1 555 ", " 12/27 123", uint64(2), uint8(3), uint8(24))
	f.Add("SSN 489-36-8350", "DE89", uint64(3), uint8(9), uint8(26))
	f.Add("\xff\xfe", "\x00\x00", uint64(4), uint8(12), uint8(0))
	f.Add("Q1\tQ2\n12\t34\t56\t78", "90\t12\t34\t56\n", uint64(5), uint8(8), uint8(2))
	f.Fuzz(func(t *testing.T, before, after string, seed uint64, sepIdx, breakIdx uint8) {
		r := rand.New(rand.NewPCG(seed, 0))
		d := []byte("4")
		for len(d) < 15 {
			d = append(d, byte('0'+r.IntN(10)))
		}
		d = append(d, luhnDigit(d))
		sep := separators[int(sepIdx)%len(separators)]
		var b strings.Builder
		for i := 0; i < 4; i++ {
			if i > 0 {
				if i == int(breakIdx)%8 {
					b.WriteString("\n> ")
				} else {
					b.WriteString(sep)
				}
			}
			b.Write(d[4*i : 4*i+4])
		}
		// " x " keeps the number a word of its own whatever the random
		// text ends or starts with: a digit, a "+", a letter.
		text := before + " x " + b.String() + " x " + after
		if strings.Contains(sep, "\t") {
			text = before + "\n\n x " + b.String() + " x \n\n" + after
		}
		if !hasKind(Text(text), "pan") {
			t.Fatalf("card with last four %s, separator %+q, not found", d[12:], sep)
		}
	})
}

func luhnDigit(body []byte) byte {
	for c := byte('0'); c <= '9'; c++ {
		if luhn(append(append([]byte{}, body...), c)) {
			return c
		}
	}
	panic("no Luhn digit")
}
