package scan

import (
	"encoding/binary"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/korean"
)

func utf32LE(s string) []byte {
	var out []byte
	for _, r := range s {
		out = binary.LittleEndian.AppendUint32(out, uint32(r))
	}
	return out
}

func utf32BE(s string) []byte {
	var out []byte
	for _, r := range s {
		out = binary.BigEndian.AppendUint32(out, uint32(r))
	}
	return out
}

// iso2022kr encodes s as ISO-2022-KR (RFC 1557): the designator once,
// then SO/SI around the KS X 1001 runs, 7-bit.
func iso2022kr(s string) []byte {
	out := []byte("\x1b$)C")
	shifted := false
	for _, r := range s {
		if r < 0x80 {
			if shifted {
				out = append(out, 0x0f)
				shifted = false
			}
			out = append(out, byte(r))
			continue
		}
		b, err := korean.EUCKR.NewEncoder().Bytes([]byte(string(r)))
		if err != nil {
			panic(err)
		}
		if !shifted {
			out = append(out, 0x0e)
			shifted = true
		}
		for _, c := range b {
			out = append(out, c&0x7f)
		}
	}
	if shifted {
		out = append(out, 0x0f)
	}
	return out
}

// utf7 encodes s as UTF-7 with every non-letter shifted (as some encoders
// do with digits when asked to), so the digits are base64 of UTF-16.
func utf7(s string) []byte {
	var out []byte
	var units []uint16
	flush := func() {
		if len(units) == 0 {
			return
		}
		var b []byte
		for _, u := range units {
			b = binary.BigEndian.AppendUint16(b, u)
		}
		out = append(out, '+')
		const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		var bits uint32
		n := 0
		for _, c := range b {
			bits = bits<<8 | uint32(c)
			n += 8
			for n >= 6 {
				n -= 6
				out = append(out, alpha[bits>>n&63])
			}
		}
		if n > 0 {
			out = append(out, alpha[bits<<(6-n)&63])
		}
		out = append(out, '-')
		units = nil
	}
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '\n' || r == '\r' {
			flush()
			out = append(out, byte(r))
			continue
		}
		units = append(units, uint16(r))
	}
	flush()
	return out
}

// TestCharsetLabelAgainstBytes: a part whose label does not fit its bytes
// is never read only the label's way and passed as clean (issue 8 item 2).
// Bodies and text attachments.
func TestCharsetLabelAgainstBytes(t *testing.T) {
	card := "my card is 4111 1111 1111 1111, thanks\r\n"
	cases := []struct {
		name, cs string
		body     []byte
		want     string // summary of the body part
	}{
		{"utf-16 on even ASCII", "utf-16", []byte(card), "=pan:1111"},
		{"utf-16le on even ASCII", "utf-16le", []byte(card), "=pan:1111"},
		{"utf-16be on even ASCII", "utf-16be", []byte(card), "=pan:1111"},
		{"ucs-2 on even ASCII", "ucs-2", []byte(card), "=pan:1111"},
		{"unicode on even ASCII", "unicode", []byte(card), "=pan:1111"},
		{"utf-16le on UTF-16BE", "utf-16le", utf16beNoBOM(card), "=pan:1111"},
		{"utf-16be on UTF-16LE", "utf-16be", encUTF16LE(card)[2:], "=pan:1111"},
		{"utf-16 on UTF-8", "utf-16", []byte("référence ４１１１ １１１１ １１１１ １１１１\r\n"), "=pan:1111"},
		{"utf-32 on ASCII", "utf-32", []byte(card), "=pan:1111"},
		{"utf-32 LE", "utf-32", utf32LE(card), "=pan:1111"},
		{"utf-32 BE", "utf-32be", utf32BE(card), "=pan:1111"},
		{"utf-32le label on BE", "utf-32le", utf32BE(card), "=pan:1111"},
		{"utf-32 unlabelled", "", utf32LE(card), "=pan:1111"},
		{"utf-32 labelled us-ascii", "us-ascii", utf32BE(card), "=pan:1111"},
		{"utf-7 shifted digits", "utf-7", utf7(card), "=pan:1111"},
		{"utf-7 plain digits", "utf-7", []byte(card), "=pan:1111"},
		{"unicode-1-1-utf-7", "unicode-1-1-utf-7", utf7("SSN 489-36-8350\r\n"), "=ssn:8350"},
		{"iso-2022-kr full-width", "iso-2022-kr", iso2022kr("카드 번호 ４１１１ １１１１ １１１１ １１１１\r\n"), "=pan:1111"},
		{"iso-2022-kr unlabelled", "", iso2022kr("카드 번호 ４１１１ １１１１ １１１１ １１１１\r\n"), "=pan:1111"},
		{"iso-2022-kr labelled latin-1", "iso-8859-1", iso2022kr("카드 번호 ４１１１ １１１１ １１１１ １１１１\r\n"), "=pan:1111"},
		{"iso-2022-jp labelled ascii", "us-ascii", iso2022jp("カード ４１１１ １１１１ １１１１ １１１１\r\n"), "=pan:1111"},
		{"iso-2022-cn unsupported set", "iso-2022-cn", []byte("\x1b$)G\x0e#4#1\x0f 489-36-8350 SSN\r\n"), "!unknown_charset =ssn:8350"},
		{"ebcdic label on ASCII", "ibm037", []byte(card), "=pan:1111"},
		{"odd-length utf-16", "utf-16le", append(encUTF16LE(card)[2:], '4'), "!bad_encoding =pan:1111"},
		{"utf-16 on ASCII with a stray NUL", "utf-16", []byte("my card is 4111 1111 1111 1111\x00,thanks\r\n"), "=pan:1111"},
		{"utf-32 on ASCII with a stray NUL", "utf-32", []byte("my card is 4111 1111 1111 1111\x00, thanks\r\n"), "!bad_encoding =pan:1111"},
	}
	sc := New(DefaultLimits())
	for _, c := range cases {
		for _, where := range []string{"body", "attachment:a.txt"} {
			ct := "text/plain"
			if c.cs != "" {
				ct += "; charset=" + c.cs
			}
			var raw []byte
			if where == "body" {
				raw = msg("Content-Type: "+ct+"\r\nContent-Transfer-Encoding: base64\r\n", b64(c.body))
			} else {
				raw = msg("Content-Type: multipart/mixed; boundary=b\r\n", []byte("--b\r\nContent-Type: "+ct+
					"\r\nContent-Disposition: attachment; filename=a.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(c.body))+"--b--\r\n"))
			}
			res, err := sc.Scan(t.Context(), raw)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(strings.ReplaceAll(c.want, "=", where+"="), "!", where+"!")
			if got := summary(res); got != sortedSummary(want) {
				t.Errorf("%s in %s: got %q, want %q", c.name, where, got, sortedSummary(want))
			}
			if where != "body" {
				for _, p := range res.Parts {
					if p.Where == where && p.Content != nil {
						t.Errorf("%s: attachment offered to staff", c.name)
					}
				}
			}
		}
	}
}

func sortedSummary(s string) string {
	f := strings.Fields(s)
	sort.Strings(f)
	return strings.Join(f, " ")
}

// TestCharsetCleanStaysClean: the label checks cost no false alarm or
// withheld part on ordinary text in ordinary charsets.
func TestCharsetCleanStaysClean(t *testing.T) {
	text := "Order 12345, call 555-0100. Réf 2024-05-01.\r\n"
	for _, cs := range []string{"", "us-ascii", "utf-8", "iso-8859-1", "windows-1252", "koi8-r", "shift_jis", "utf-7", "iso-2022-jp", "iso-2022-kr", "utf-16le"} {
		body := []byte(text)
		switch cs {
		case "utf-16le":
			body = encUTF16LE(text)[2:]
		case "iso-8859-1", "windows-1252":
			body, _ = charmap.Windows1252.NewEncoder().Bytes(body)
		}
		res, err := New(DefaultLimits()).Scan(t.Context(), msg("Content-Type: text/plain; charset="+cs+"\r\nContent-Transfer-Encoding: base64\r\n", b64(body)))
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict() != VerdictClean {
			t.Errorf("charset %q: %s", cs, summary(res))
		}
	}
}
