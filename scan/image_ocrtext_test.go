package scan

import (
	"testing"

	"github.com/intake-mail/intake/scan/internal/ocr"
)

// TestOCRDigitView: what OCR misreads in a number is read back; words and
// lines are left as they are.
func TestOCRDigitView(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Card 4lll 1111 1111 I111", "Card 4111 1111 1111 1111"},
		{"4209 4158 7333 S245", "4209 4158 7333 5245"},
		{"Total $129.99", ""}, // a currency sign is not a digit
		{"SSN 489~36~8350", "SSN 489-36-8350"},
		{"565—-80-1800", "565-80-1800"},
		{"407 -64-9663", "407-64-9663"},
		{"8/704 192@", "8704 1920"},
		{"Hello Sam, all is well", ""}, // no digits: nothing to read back
		{"4111 1111\n1111 1111", ""},   // lines stay lines
		{"4lll 1111\nI111 1111", "4111 1111\n1111 1111"},
	}
	for _, c := range cases {
		if got := string(ocrDigitView(c.in)); got != c.want {
			t.Errorf("%q: got %q, want %q", maskForTest(c.in), maskForTest(got), maskForTest(c.want))
		}
	}
}

// TestOCRDoubt: what OCR read and cannot vouch for.
func TestOCRDoubt(t *testing.T) {
	words := func(conf float64, ws ...string) ocr.Read {
		r := ocr.Read{}
		for i, w := range ws {
			if i > 0 {
				r.Text += " "
			}
			r.Text += w
			r.Words = append(r.Words, ocr.Word{Text: w, Conf: conf})
		}
		return r
	}
	cases := []struct {
		name  string
		read  ocr.Read
		doubt bool
	}{
		{"no text", ocr.Read{}, true},
		{"words", words(95, "Thank", "you"), false},
		{"a phone number", words(95, "Call", "555-123-4567"), false},
		{"a date and an amount", words(95, "2024-01-15", "$129.99"), false},
		{"a date and a time", words(95, "2024-01-15", "10.30.15"), false},
		{"a card with its last group misread as a sign", words(95, "4111", "1111", "1111", "$111"), true},
		{"unsure digits", words(40, "Ref", "48)"), true},
		{"unsure words without digits", words(40, "Thank", "you"), false},
		{"card-shaped, Luhn fails", words(95, "4111", "1111", "1111", "1112"), true},
		{"nine digits, not an SSN", words(95, "No.", "000123456"), true},
		{"3-2-4, not an SSN", words(95, "000-12-3456"), true},
		{"3-3-4 next to an SSN keyword", words(95, "SSN", "489-366-8350"), true},
		{"3-3-4 alone: a phone number", words(95, "489-366-8350"), false},
	}
	for _, c := range cases {
		if why := ocrDoubt(c.read, ocrDigitView(c.read.Text)); (why != "") != c.doubt {
			t.Errorf("%s: doubt %q, want %v", c.name, why, c.doubt)
		}
	}
}
