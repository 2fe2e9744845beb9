package leakcheck

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// Published test numbers only; failures name the case and the last four.
var planted = []string{"4111111111111111", "489368350", "378282246310005"}

const (
	visa = 0
	ssn  = 1
	amex = 2
)

func u16(s string, be bool) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if be {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

func u32(s string, be bool) []byte {
	var b []byte
	for _, r := range s {
		if be {
			b = binary.BigEndian.AppendUint32(b, uint32(r))
		} else {
			b = binary.LittleEndian.AppendUint32(b, uint32(r))
		}
	}
	return b
}

// between puts sep between every two digits of s.
func between(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }

// wrapped is base64 of b after lead bytes of something else, in MIME's
// 76-column lines.
func wrapped(lead int, b []byte) string {
	enc := base64.StdEncoding.EncodeToString(append(bytes.Repeat([]byte{'x'}, lead), b...))
	var out strings.Builder
	for len(enc) > 76 {
		out.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	out.WriteString(enc)
	return out.String()
}

func zlibOf(b []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(b)
	w.Close()
	return z.Bytes()
}

// spelled are the spellings a reader recovers, with the number each holds
// and a word the reported spelling must hold.
var spelled = []struct {
	name   string
	b      []byte
	number int
	want   string
}{
	{"digits", []byte("4111111111111111"), visa, "utf-8: digits"},
	{"spaced groups", []byte("4111 1111 1111 1111"), visa, "separated"},
	{"dashed SSN", []byte("489-36-8350"), ssn, "separated"},
	{"dotted", []byte("489.36.8350"), ssn, "separated"},
	{"underscores", []byte("4111_1111_1111_1111"), visa, "separated"},
	{"amex groups", []byte("3782 822463 10005"), amex, "separated"},
	{"tab groups", []byte("4111\t1111\t1111\t1111"), visa, "separated"},
	{"many spaces count once", []byte("4111      1111      1111      1111"), visa, "separated"},
	{"NUL between digits", []byte(between("489368350", "\x00")), ssn, "separated"},
	{"three NULs between digits", []byte(between("489368350", "\x00\x00\x00")), ssn, "separated"},
	{"CRLF between groups", []byte("4111\r\n1111\r\n1111\r\n1111"), visa, "separated"},
	{"quoted reply break", []byte("4111 1111\r\n> 1111 1111"), visa, "separated"},
	{"QP soft break", []byte("4111 11=\r\n11 1111 1111"), visa, "utf-8"},
	{"QP soft breaks between every digit", []byte(between("489368350", "=\r\n")), ssn, "utf-8"},
	{"QP digits", []byte(each("4111111111111111", "=%02X")), visa, "quoted-printable"},
	{"QP digits, spaced", []byte(each("4111 1111 1111 1111", "=%02X")), visa, "quoted-printable"},
	{"QP of UTF-16", []byte("4=001=001=001=001=001=001=001=001=001=001=001=001=001=001=001=00"), visa, "quoted-printable"},
	{"url-encoded", []byte(each("489-36-8350", "%%%02x")), ssn, "url-encoded"},
	{"url-encoded, mixed", []byte("card=%34111%201111%201111%201111"), visa, "url-encoded"},
	{"decimal references", []byte(each("4111111111111111", "&#%d;")), visa, "character references"},
	{"hex references", []byte(each("489368350", "&#x%x;")), ssn, "character references"},
	{"JSON escapes", []byte(each("378282246310005", `\u%04x`)), amex, "escapes"},
	{"full-width", []byte(fullWidth("4111 1111 1111 1111")), visa, "unicode digits"},
	{"full-width glued to CJK", []byte("カード番号は" + fullWidth("4111111111111111") + "です"), visa, "unicode digits"},
	{"Arabic-Indic", []byte("٤٨٩٣٦٨٣٥٠"), ssn, "unicode digits"},
	{"mathematical bold", []byte("𝟒𝟖𝟗𝟑𝟔𝟖𝟑𝟓𝟎"), ssn, "unicode digits"},
	{"superscript", []byte("⁴⁸⁹³⁶⁸³⁵⁰"), ssn, "unicode digits"},
	{"word joiner between digits", []byte(between("4111111111111111", "\u2060")), visa, "utf-8"},
	{"direction marks between groups", []byte("4111\u200e1111\u200f1111\u200e1111"), visa, "utf-8"},
	{"NBSP groups", []byte("489\u00a036\u00a08350"), ssn, "separated"},
	{"inside a longer run", []byte("94111111111111111123"), visa, "utf-8"},
	{"glued to a word", []byte("card-4111111111111111thanks"), visa, "utf-8"},
	{"utf-16le", u16("SSN 489-36-8350", false), ssn, ""},
	{"utf-16be", u16("4111 1111 1111 1111", true), visa, ""},
	{"utf-16le spaced with dashes", u16("4111 - 1111 - 1111 - 1111", false), visa, "NULs"},
	{"utf-16le, ideographic spaces", u16("4111\u30001111\u30001111\u30001111", false), visa, "utf-16le"},
	{"utf-16be, en dashes", u16("489\u201336\u20138350", true), ssn, "separated"},
	{"utf-16be full-width", u16(fullWidth("489368350"), true), ssn, "utf-16be"},
	{"utf-16le full-width", u16(fullWidth("4111 1111 1111 1111"), false), visa, "utf-16le"},
	{"utf-16le mathematical", u16("𝟒𝟖𝟗𝟑𝟔𝟖𝟑𝟓𝟎", false), ssn, "utf-16le"},
	{"utf-32le", u32("4111 - 1111 - 1111 - 1111", false), visa, "NULs"},
	{"utf-32be", u32("489 - 36 - 8350", true), ssn, "NULs"},
	{"utf-32le, ideographic spaces", u32("489\u300036\u30008350", false), ssn, "separated"},
	{"utf-32be full-width", u32(fullWidth("378282246310005"), true), amex, "unicode digits"},
	{"base64, aligned", []byte(wrapped(0, []byte("4111111111111111"))), visa, "base64"},
	{"base64, one byte in", []byte(wrapped(1, []byte("489-36-8350"))), ssn, "base64"},
	{"base64, two bytes in", []byte(wrapped(2, []byte("3782 822463 10005"))), amex, "base64"},
	{"base64 across a line break", []byte(wrapped(70, []byte("4111 1111 1111 1111"))), visa, "base64"},
	{"base64 of utf-16le", []byte(wrapped(1, u16("4111 1111 1111 1111", false))), visa, "base64"},
	{"url-safe base64", []byte(base64.RawURLEncoding.EncodeToString([]byte("\xfb\xff SSN 489368350"))), ssn, "base64"},
	{"B words straddled", []byte("=?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte("card 4111 11")) + "?=\r\n =?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte("11 1111 1111")) + "?="), visa, "encoded words"},
	{"Q words straddled", []byte("=?koi8-r?Q?SSN_489-3?= =?koi8-r?Q?6-=38350?="), ssn, "encoded words"},
	{"hex of ASCII", []byte(hex.EncodeToString([]byte("4111111111111111"))), visa, "hex"},
	{"hex, odd start", []byte("\\x7" + hex.EncodeToString([]byte("489-36-8350"))), ssn, "hex"},
	{"hex of utf-16le", []byte(strings.ToUpper(hex.EncodeToString(u16("489368350", false)))), ssn, "hex"},
	{"zlib stream", zlibOf([]byte("BT (4111 1111 1111 1111) Tj ET")), visa, "zlib"},
	{"gzip member", gzipped([]byte("SSN 489-36-8350")), ssn, "gzip"},
	{"zip entry", zipped("xl/worksheets/sheet1.xml", []byte("<c><v>3.78282246310005E14</v></c>")), amex, "zip entry"},
	{"base64 of a zip entry", []byte(wrapped(0, zipped("word/document.xml", []byte("<w:t>&#52;&#56;&#57;-36-8350</w:t>")))), ssn, "zip entry › utf-8: digits+character references"},
	{"hex of zlib", []byte(hex.EncodeToString(zlibOf([]byte("4111111111111111")))), visa, "hex@0 › zlib"},
}

// noise is random bytes, the same for every run.
func noise(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestFindsEverySpelling(t *testing.T) {
	c := New(planted...)
	for _, tc := range spelled {
		for _, shift := range []int{0, 1, 2, 3} {
			// Put a letter before and after, so noise digits do not join.
			pos := 997 + shift
			blob := append(append(append(noise(pos-1, 1), 'q'), tc.b...), append([]byte{'q'}, noise(1000, 2)...)...)
			hits, err := c.Find(blob)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			found := false
			for _, h := range hits {
				if h.Number != tc.number {
					t.Errorf("%s at +%d: a number that was not planted: %s", tc.name, shift, h)
					continue
				}
				if h.Offset < pos || h.Offset >= pos+len(tc.b) {
					t.Errorf("%s at +%d: %s, outside [%d, %d)", tc.name, shift, h, pos, pos+len(tc.b))
				}
				if strings.Contains(h.Spelling, tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s at +%d: number ending %s not found as %q; hits %v", tc.name, shift, c.Last4(tc.number), tc.want, hits)
			}
		}
	}
}

// TestLookAlikesDoNotMatch: what a reader cannot read as a planted number
// is not reported: the masked forms, another number with the same last
// four, one digit short, groups apart by more than MaxGap or by a word.
func TestLookAlikesDoNotMatch(t *testing.T) {
	c := New(planted...)
	cases := []struct{ name, text string }{
		{"masked card", "card **** **** **** 1111, thanks"},
		{"masked card, unbroken", "************1111"},
		{"masked SSN", "SSN ***-**-8350"},
		{"masked in UTF-16", string(u16("**** **** **** 1111 ***-**-8350", false))},
		{"another card, same last four", "4242 4242 4242 1111"},
		{"another SSN, same last four", "489-36-8351 and 123-45-8350"},
		{"one digit short", "411111111111111 and 48936835"},
		{"a word between groups", "4111 or 1111 and 1111 then 1111"},
		{"four separators between groups", "4111/-/-1111/-/-1111/-/-1111"},
		{"interleaved with other digits", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 2 1"},
		{"hex of another number", hex.EncodeToString([]byte("4242424242421111"))},
		{"base64 of the masked card", base64.StdEncoding.EncodeToString([]byte("**** **** **** 1111"))},
		{"timestamps and refs", "2026-03-01 09:00:00.4111 T-4111AB queued as T-8350QQ 1111-11-11"},
	}
	for _, tc := range cases {
		blob := append(append(noise(500, 3), tc.text...), noise(500, 4)...)
		hits, err := c.Find(blob)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			t.Errorf("%s: reported %s", tc.name, h)
		}
	}
}

// TestNoiseAlone: megabytes of random bytes, hex and base64 of them, hold
// no planted number (the readings do not invent one).
func TestNoiseAlone(t *testing.T) {
	c := New(planted...)
	n := noise(1<<20, 5)
	for name, b := range map[string][]byte{
		"random": n,
		"hex":    []byte(hex.EncodeToString(n)),
		"base64": []byte(wrapped(0, n)),
	} {
		hits, err := c.Find(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, h := range hits {
			t.Errorf("%s: reported %s", name, h)
		}
	}
}

func TestEveryPlaceReported(t *testing.T) {
	c := New(planted...)
	blob := []byte("a 4111 1111 1111 1111 b ")
	blob = append(blob, u16("c 489-36-8350 d", false)...)
	blob = append(blob, " e 4111111111111111 f"...)
	hits, _ := c.Find(blob)
	if len(hits) != 3 {
		t.Fatalf("%d hits, want 3: %v", len(hits), hits)
	}
	for _, h := range hits {
		if strings.Contains(h.String(), planted[h.Number]) {
			t.Errorf("a hit's text holds the number: %s", h)
		}
	}
}

func TestNewRefusesShortOrFormatted(t *testing.T) {
	for _, n := range []string{"8350", "4111 1111 1111 1111", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New took a number of %d characters that is not %d+ digits", len(n), MinDigits)
				}
			}()
			New(n)
		}()
	}
	if got := Digits("4111 1111-1111.1111"); got != planted[visa] {
		t.Errorf("Digits: %d digits", len(got))
	}
}

// dbLike is n bytes shaped like a store's file: binary pages (sealed
// originals) and text with masked numbers for the most part, with base64
// and hex runs and compressed streams; encoded is how many in twenty
// chunks are one of those three.
func dbLike(n, encoded int) []byte {
	r := rand.New(rand.NewPCG(7, 7))
	var b bytes.Buffer
	text := []byte("Hello, my card is **** **** **** 1111 and SSN ***-**-8350; order 112-4567890-1234567 of 2026-03-15 10:22:31, $1,234.56. ")
	for b.Len() < n {
		k := r.IntN(20)
		switch {
		case k < encoded/3:
			b.WriteString(wrapped(0, noise(3000, r.Uint64())))
		case k < 2*encoded/3:
			b.WriteString(hex.EncodeToString(noise(2000, r.Uint64())))
		case k < encoded:
			b.Write(zlibOf(bytes.Repeat(text, 20)))
		case k%2 == 0:
			b.Write(noise(4096, r.Uint64()))
		default:
			for i := 0; i < 30; i++ {
				b.Write(text)
			}
		}
	}
	return b.Bytes()[:n]
}

// TestLargeFile: a file of a store's size is read in bounded time, and a
// number planted near its end in three spellings is found each time.
func TestLargeFile(t *testing.T) {
	size := 50 << 20
	if testing.Short() {
		size = 5 << 20
	}
	blob := dbLike(size, 3)
	plants := [][]byte{[]byte("q4111 1111 1111 1111q"), u16("q489-36-8350q", false), []byte(wrapped(1, []byte("q3782 822463 10005q")))}
	at := size - 200000
	for _, p := range plants {
		copy(blob[at:], p)
		at += 50000
	}
	c := New(planted...)
	start := time.Now()
	hits, err := c.Find(blob)
	took := time.Since(start)
	t.Logf("%d MiB read in %v (%.0f MB/s)", size>>20, took.Round(time.Millisecond), float64(size)/took.Seconds()/1e6)
	if err != nil {
		t.Error(err)
	}
	seen := map[int]bool{}
	for _, h := range hits {
		seen[h.Number] = true
	}
	if len(seen) != 3 || len(hits) != 3 {
		t.Errorf("%d hits of %d numbers, want 3 of 3: %v", len(hits), len(seen), hits)
	}
	if took > 60*time.Second {
		t.Errorf("%v to read %d MiB", took, size>>20)
	}
}

// BenchmarkFind reads a file shaped like a store's (a few encoded runs),
// and one made of encoded runs for the most part (each read four ways).
func BenchmarkFind(b *testing.B) {
	for _, bc := range []struct {
		name    string
		encoded int
	}{{"store", 3}, {"encoded", 15}} {
		b.Run(bc.name, func(b *testing.B) {
			blob := dbLike(8<<20, bc.encoded)
			c := New(planted...)
			b.SetBytes(int64(len(blob)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.Find(blob)
			}
		})
	}
}

// TestShapes: the attack corpus is well formed: every number valid and
// with a last four of its own, and every number found in the message as
// sent (but where the shape says no spelling reads it: a PDF placing one
// glyph at a time, a cell format), so a test that finds none in the store
// has proved something.
func TestShapes(t *testing.T) {
	shapes := Shapes("m@member.example")
	if len(shapes) < 30 {
		t.Fatalf("%d shapes", len(shapes))
	}
	last4 := map[string]string{}
	names := map[string]bool{}
	for _, sh := range shapes {
		if names[sh.Name] {
			t.Errorf("two shapes named %s", sh.Name)
		}
		names[sh.Name] = true
		for _, n := range sh.Numbers {
			if o, ok := last4[n[len(n)-4:]]; ok {
				t.Errorf("%s and %s share the last four %s", sh.Name, o, n[len(n)-4:])
			}
			last4[n[len(n)-4:]] = sh.Name
			if len(n) != 9 && luhnDigit(n[:len(n)-1]) != n[len(n)-1] {
				t.Errorf("%s: card ending %s fails Luhn", sh.Name, n[len(n)-4:])
			}
		}
		hits, err := New(sh.Numbers...).Find(sh.Raw)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for _, h := range hits {
			seen[h.Number] = true
		}
		for i, n := range sh.Numbers {
			if !seen[i] && len(sh.Carriers) == 0 && !slices.Contains(sh.Hidden, n) {
				t.Errorf("%s: number ending %s not found in the message as sent", sh.Name, n[len(n)-4:])
			}
		}
	}
}
