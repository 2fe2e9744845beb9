package charset

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecodeCharset: the label-vs-bytes reader never panics and always
// returns valid UTF-8, whatever the label and the bytes.
func FuzzDecodeCharset(f *testing.F) {
	for _, s := range []struct{ cs, data string }{
		{"utf-16", "card 4111"}, {"utf-16le", "4\x001\x00"}, {"utf-32", "4\x00\x00\x00"}, {"utf-7", "+ADQAMQ-1+-"},
		{"iso-2022-kr", "\x1b$)C\x0e#4\x0f"}, {"iso-2022-cn", "\x1b$)G\x0e#4\x0f\x1b$*H\x1bN#4"}, {"iso-2022-jp", "\x1b$B#4\x1b(B"},
		{"ibm037", "\xf4\xf1"}, {"", "\xff\xfe4\x00"}, {"shift_jis", "\x82\x53\x82\x50"}, {"x-klingon", "\xf1"}, {"utf-8*en", "x"},
	} {
		f.Add(s.cs, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, cs string, data []byte) {
		text, alts, _ := Decode(data, cs)
		if !utf8.Valid(text) {
			t.Fatalf("reading is not UTF-8")
		}
		for _, a := range alts {
			if !utf8.Valid(a) {
				t.Fatalf("other reading is not UTF-8")
			}
		}
	})
}
