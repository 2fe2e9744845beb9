package guard

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
)

// Test numbers are the published ones (4111 1111 1111 1111, 5555 5555
// 5555 4444, 3782 822463 10005, SSN 489-36-8350 style); failure messages
// name the case, never print its text.

func TestFinds(t *testing.T) {
	cases := []struct {
		name, text, kind string
	}{
		{"spaced", "card 4111 1111 1111 1111 thanks", "pan"},
		{"unbroken", "4111111111111111", "pan"},
		{"dashed", "4111-1111-1111-1111", "pan"},
		{"dotted", "4111.1111.1111.1111", "pan"},
		{"tab", "4111\t1111\t1111\t1111", "pan"},
		{"spaced twice", "4111  1111  1111  1111", "pan"},
		{"underscores", "4111_1111_1111_1111", "pan"},
		{"double underscores", "4111__1111__1111__1111", "pan"},
		{"slashes", "4111/1111/1111/1111", "pan"},
		{"no-break space", "4111\u00a01111\u00a01111\u00a01111", "pan"},
		{"en dash", "4111\u20131111\u20131111\u20131111", "pan"},
		{"ideographic space", "4111\u30001111\u30001111\u30001111", "pan"},
		{"NUL between digits", "4\x001\x001\x001\x001\x001\x001\x001\x001\x001\x001\x001\x001\x001\x001\x001", "pan"},
		{"NUL between groups", "4111\x00 \x001111\x00 \x001111\x00 \x001111", "pan"},
		{"control characters", "4111\x011111\x011111\x011111", "pan"},
		{"word joiner", "4111\u20601111\u20601111\u20601111", "pan"},
		{"zero-width space inside", "41\u200b11 1111 11\u200b11 1111", "pan"},
		{"direction marks", "4111\u200e 1111\u200f 1111 1111", "pan"},
		{"soft hyphen", "4111\u00ad1111\u00ad1111\u00ad1111", "pan"},
		{"combining mark", "4\u03321\u03321\u03321\u0332 1111 1111 1111", "pan"},
		{"line break", "my card is 4111 1111\n1111 1111", "pan"},
		{"CRLF", "my card is 4111 1111\r\n1111 1111", "pan"},
		{"flowed soft break", "4111 1111 \r\n1111 1111", "pan"},
		{"quoted line break", "> card 4111 1111\r\n> 1111 1111", "pan"},
		{"nested quote", ">> 4111 1111 1111\n>> 1111", "pan"},
		{"dash then line break", "4111-1111-\n1111-1111", "pan"},
		{"per-glyph", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "pan"},
		{"per-glyph wide gaps", "4 1 1 1   1 1 1 1   1 1 1 1   1 1 1 1", "pan"},
		{"quoted-printable soft break", "4111 1111 11=\r\n11 1111", "pan"},
		{"full-width", "\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11", "pan"},
		{"full-width hyphen", "\uff14\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11", "pan"},
		{"glued to Japanese", "カード番号は４１１１１１１１１１１１１１１１です", "pan"},
		{"Arabic-Indic", "\u0664\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661", "pan"},
		{"Devanagari", "\u096a\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967", "pan"},
		{"mathematical digits", "\U0001d7d2\U0001d7cf\U0001d7cf\U0001d7cf 1111 1111 1111", "pan"},
		{"glued to a word", "cc4111 1111 1111 1111 exp06/17", "pan"},
		{"then expiry and CVV", "4111 1111 1111 1111 12/27 123", "pan"},
		{"then CVV", "4111 1111 1111 1111 123", "pan"},
		{"after a quantity", "1 4111 1111 1111 1111", "pan"},
		{"one per line", "4111111111111111\n5555555555554444\n", "pan"},
		{"in a CSV row", "Jane,4111111111111111,ref", "pan"},
		{"Mastercard", "5555 5555 5555 4444", "pan"},
		{"Amex", "3782 822463 10005", "pan"},
		{"Diners", "3056 930902 5904", "pan"},
		{"Visa 13", "4222222222222", "pan"},
		{"UATP unbroken", "135412345678911", "pan"},
		{"in a URL", "https://example.com/t/4111111111111111", "pan"},
		{"SSN dashed", "SSN 489-36-8350", "ssn"},
		{"SSN spaced", "my ssn: 489 36 8350", "ssn"},
		{"SSN bare", "Social Security number 489368350, as asked", "ssn"},
		{"SSN dotted", "SS# 489.36.8350", "ssn"},
		{"SSN spaced dashes", "soc sec no 489 - 36 - 8350", "ssn"},
		{"SSN wrapped", "Here is my social security number: 489 - 36 -\n8350 thanks", "ssn"},
		{"SSN far from the word", "SSN below.\n" + strings.Repeat("filler ", 30) + "489-36-8350", "ssn"},
		{"ITIN", "my ITIN is 912-70-1234", "ssn"},
		{"tax id", "Tax ID 489-36-8350 for the form", "ssn"},
		{"SSN full-width", "ＳＳＮ ４８９－３６－８３５０", "ssn"},
		{"SSN NUL-separated", "S\x00S\x00N\x00 \x004\x008\x009\x00-\x003\x006\x00-\x008\x003\x005\x000\x00", "ssn"},
		{"SSN underscores", "ssn 489_36_8350", "ssn"},
		// Rule 7: a row of cells standing alone is read.
		{"tab row on its own line", "Card:\n4111\t1111\t1111\t1111\nthanks", "pan"},
		{"tab row with a label", "Visa\t4111\t1111\t1111\t1111", "pan"},
		{"tab row under a short row", "Qty\t2\r\nCard\t4111\t1111\t1111\t1111\r\n", "pan"},
		{"tab row under a header", "Q1\tQ2\tQ3\tQ4\n4111\t1111\t1111\t1111", "pan"},
		{"tab row quoted and broken", "> 4111\t1111\n> 1111\t1111", "pan"},
		{"SSN in tab cells", "SSN\n489\t36\t8350", "ssn"},
		{"SSN space then dash", "SSN 489 36-8350", "ssn"},
		{"SSN dash then space", "my social security number is 489-36 8350.", "ssn"},
		{"SSN spaced dash then space", "ITIN: 912 - 70 1234", "ssn"},
		{"SSN mixed, wrapped", "SSN below\n489 36-8350\nthanks", "ssn"},
		{"SSN space then en dash", "SSN 489 36\u20138350", "ssn"},
		// A quoted-printable soft break is dropped wherever it is.
		{"soft break after a dash", "4111-1111-=\r\n1111-1111", "pan"},
		// A UPS number needs a letter; a fold in an IBAN does not hide what follows.
		{"card after 1Z", "1Z 4111 1111 1111 1111", "pan"},
		{"card after a folded IBAN", "DESCRIPTION:IBAN DE89 3704 0044 0532 0130 00\r\n  4111 1111 1111 1111", "pan"},
		{"card folded inside a group", "DESCRIPTION:IBAN DE89 3704 0044 0532 0130 00 or card 4111 11\r\n 11 1111 1111", "pan"},
		// Thirteen digits: Visa and 50 only.
		{"Maestro 13", "5018797173926", "pan"},
		// Glued to letters at one end only.
		{"glued to letters at one end", "visa4111-1111-1111-1111 ok", "pan"},
		// In text, even in a legacy charset, a byte that is not UTF-8 separates.
		{"Latin-1 no-break spaces", "Carte n\xb0 4111\xa01111\xa01111\xa01111, merci", "pan"},
		{"card in binary data", binaryAround("4111 1111 1111 1111"), "pan"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hits := Text(c.text)
			if !hasKind(hits, c.kind) {
				t.Errorf("no %s hit in case %q; got %v", c.kind, c.name, hits)
			}
		})
	}
}

func TestIgnores(t *testing.T) {
	cases := []struct{ name, text string }{
		{"masked card", "Card: **** **** **** 1111"},
		{"masked card with expiry", "Card: **** **** **** 1111 **/** ***"},
		{"masked dashed card", "****-****-****-1111"},
		{"masked card unbroken", "************1111"},
		{"masked SSN", "SSN ***-**-8350"},
		{"masked SSN and card", "SSN ***-**-8350, card **** **** **** 1111, ITIN ***-**-1234"},
		{"masked SSN beside a ZIP", "SSN ***-**-8350\nSpringfield, IL 62704-1234"},
		{"masked by letters", "XXXX XXXX XXXX 1111 and XXX-XX-8350 (SSN)"},
		{"PCI truncated", "411111******1111"},
		{"last four", "Visa ending in 1111"},
		{"Luhn-invalid", "4111 1111 1111 1112"},
		{"no issuer", "id 9023456789012349 x"},
		{"Visa at 15", "IMEI 490154203237518"},
		{"long id", "Conf# 4111111111111111111111"},
		{"card inside a longer run", "04881621594644972"},
		{"22-digit tracking grouped", "USPS 9400 1111 1111 1111 1111 00"},
		{"card then a year", "4111 1111 1111 1111 2027 2028"},
		{"UUID", "account_token: 47223179-9330-4259-b66c-f2db26efb20c"},
		{"UUID all digits first", "41111111-1111-1111-aaaa-bbbbbbbbbbbb"},
		{"hex", "sha256 e3b04111111111111111c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"base64", "Token: QUJDRDQxMTExMTExMTExMTExMTE4NDE="},
		{"dates", "logged 2024-03-15 10:22:31.123456 and 15/03/2024"},
		{"timestamp", "20260823000001_reap_stale_notifications.sql"},
		{"epoch ms", "ts=1548138160707"},
		{"phone", "Call me at +1 (425) 882-9090 or 1-800-555-0199"},
		{"plus and digits", "+4111111111111111"},
		{"international phone", "+4 1111 1111 1111 111"},
		{"decimal", "translate(0%, -0.5309136012499991%)"},
		{"long decimal", "x = 6.5309136012499991"},
		{"amounts", "$4,111.11 then $1,111.11 then $5,555.55"},
		{"order number", "Order #112-4567890-1234567"},
		{"mixed separators", "4111 1111&1111 1111"},
		{"markup between", `<a href="/tickets/40004595">#40004595</a>`},
		{"IBAN grouped", "IBAN DE89 3704 0044 0532 0130 00"},
		{"IBAN unbroken", "CH9300762011623852957"},
		{"IBAN with letters", "IT60 X054 2811 1010 0000 0123 456"},
		{"IBAN folded", "DESCRIPTION:Bank account DE89 3704 0044 0532 0130\r\n  00 (ours)"},
		{"UPS", "UPS 1Z999AA10123456784"},
		{"SSN without a word", "Member 489-36-8350"},
		{"SSN word too far", "SSN" + strings.Repeat(" filler", 60) + " 489-36-8350"},
		{"SSN inside a longer id", "SSN case 489-36-8350-7"},
		{"SSN mixed without a word", "Part 489 36-8350 is back-ordered"},
		{"SSN mixed phone 3-3-4", "SSN office: call 800-772 1213"},
		{"SSN mixed date", "SSN card issued 2019 03-15"},
		{"SSN mixed going on", "SSN 489 36-8350-1"},
		{"SSN mixed after more groups", "SSN 12 489 36-8350"},
		{"SSN mixed dot", "SSN 489.36-8350"},
		{"SSN area 666", "SSN 666-12-3456"},
		{"SSN group 00", "SSN 489-00-8350"},
		{"SSN serial 0000", "SSN 489-36-0000"},
		{"SSN sample", "SSN: 123-45-6789"},
		{"SSN Woolworth", "my SSN is 078-05-1120"},
		{"SSN 9xx outside ITIN", "SSN 923-45-6789"},
		{"SSN eight digits", "SSN 48936835"},
		{"ZIP+4 near SSN", "SSN on file; ZIP 98052-6399"},
		{"word inside another", "Continue with 489-36-8350"},
		// Rule 7: a row among rows of figures is figures.
		{"tab row in a table", "Item\tQ1\tQ2\tQ3\tQ4\nApples\t1234\t5678\t9012\t3456\nPears\t4111\t1111\t1111\t1111\nTotal\t5345\t6789\t9123\t4567"},
		{"tab row in a short table", "Jan\tFeb\tMar\tApr\r\n4111\t1111\t1111\t1111\r\n1234\t5678\t9012.50\t3456 Let me know.\r\n"},
		{"tab row with other figures", "Pasted from the sheet:\n67\tUSD\t494285656\t123\t2024-03-25\n(end of paste)"},
		{"order split by a soft break", "Order #111-=\r\n3056930-9025904"},
		{"IBAN folded inside a group", "DESCRIPTION:IBAN: DE64 18\r\n 99 9260 5094 8687 86\r\nEND:VEVENT"},
		{"UPS grouped", "UPS tracking 1Z 1SD 425 86 1213 731 5."},
		{"id of 13 starting with 6", "See the attached file order-6503253654682.pdf"},
		{"UUID glued to letters", "Request id f3056930-9025-904c-a917-9ce6cd930541."},
		{"digits between bytes of binary data", binaryAround("4111\x881111\x881111\x881111")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if hits := Text(c.text); len(hits) > 0 {
				t.Errorf("case %q: unexpected %v", c.name, hits)
			}
		})
	}
}

// binaryAround sets s between two runs of bytes that are not UTF-8, as in
// compressed data.
func binaryAround(s string) string {
	junk := strings.Repeat("\x9c\xd2\x7f\xb7\xe3", 12)
	return junk + " " + s + " " + junk
}

func hasKind(hits []Hit, kind string) bool {
	for _, h := range hits {
		if h.Kind == kind {
			return true
		}
	}
	return false
}

// TestWideEncodings encodes sentences as UTF-16 and UTF-32 of both byte
// orders, with and without a byte-order mark.
func TestWideEncodings(t *testing.T) {
	texts := map[string]string{
		"ASCII card":        "Card: 4111 1111 1111 1111.",
		"full-width card":   "カード番号は４１１１ １１１１ １１１１ １１１１です",
		"no-break card":     "4111\u00a01111\u00a01111\u00a01111",
		"word-joined card":  "4111\u20601111\u20601111\u20601111",
		"SSN":               "My SSN is 489-36-8350.",
		"full-width SSN":    "ＳＳＮ：４８９－３６－８３５０",
		"astral digits SSN": "SSN \U0001d7d2\U0001d7d6\U0001d7d7-36-8350",
	}
	for name, s := range texts {
		for _, enc := range []struct {
			name string
			fn   func(string, binary.AppendByteOrder, bool) []byte
		}{{"utf-16", encode16}, {"utf-32", encode32}} {
			for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
				for _, bom := range []bool{false, true} {
					b := enc.fn(s, order, bom)
					if len(Bytes(b)) == 0 {
						t.Errorf("%s as %s %v (BOM %v): not found", name, enc.name, order, bom)
					}
				}
			}
		}
	}
}

func encode16(s string, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xfeff)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return b
}

func encode32(s string, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	if bom {
		b = order.AppendUint32(b, 0xfeff)
	}
	for _, r := range s {
		b = order.AppendUint32(b, uint32(r))
	}
	return b
}

// TestOffsets: a hit says where the run starts in the input as given.
func TestOffsets(t *testing.T) {
	s := "héllo ＳＳＮ\u200b: 489-36-8350 and 4111 1111 1111 1111"
	hits := Text(s)
	if len(hits) != 2 {
		t.Fatalf("want 2 hits, got %v", hits)
	}
	if want := strings.Index(s, "489"); hits[0].Offset != want || hits[0].Kind != "ssn" {
		t.Errorf("SSN hit at %d, want %d", hits[0].Offset, want)
	}
	if want := strings.Index(s, "4111"); hits[1].Offset != want || hits[1].Kind != "pan" {
		t.Errorf("card hit at %d, want %d", hits[1].Offset, want)
	}
	wide := encode16("xx 4111 1111 1111 1111", binary.BigEndian, false)
	for _, h := range Bytes(wide) {
		if h.Offset != 6 && h.Offset != 7 { // the digit, or its low byte read as UTF-8
			t.Errorf("UTF-16 hit (%s) at %d, want 6 or 7", h.Read, h.Offset)
		}
	}
}

// TestHitNamesNoDigits: what a hit prints is a rule and an offset.
func TestHitNamesNoDigits(t *testing.T) {
	for _, h := range Text("card 4111 1111 1111 1111 and SSN 489-36-8350") {
		if s := h.String(); strings.Contains(s, "4111") || strings.Contains(s, "8350") {
			t.Errorf("hit prints digits of the number: %q", s)
		}
	}
}

// TestDigitRanges holds digitValue's assumption: every range of decimal
// digits Unicode has starts at a zero and comes in whole tens.
func TestDigitRanges(t *testing.T) {
	for _, r := range unicode.Nd.R16 {
		if r.Stride != 1 || (int(r.Hi)-int(r.Lo)+1)%10 != 0 {
			t.Errorf("Nd range %#x-%#x is not whole tens", r.Lo, r.Hi)
		}
	}
	for _, r := range unicode.Nd.R32 {
		if r.Stride != 1 || (int(r.Hi)-int(r.Lo)+1)%10 != 0 {
			t.Errorf("Nd range %#x-%#x is not whole tens", r.Lo, r.Hi)
		}
	}
	if d := digitValue('\u0669'); d != '9' {
		t.Errorf("ARABIC-INDIC DIGIT NINE read as %q", d)
	}
}

func BenchmarkText4KiB(b *testing.B) {
	para := "Hello, my order 112-4567890-1234567 of 2024-03-15 10:22:31 was charged $1,234.56 to the card **** **** **** 1111.\r\n" +
		"Call me at +1 (425) 882-9090. Tracking 1Z999AA10123456784, IBAN DE89 3704 0044 0532 0130 00.\r\n"
	var s strings.Builder
	for s.Len() < 4096 {
		s.WriteString(para)
	}
	text := []byte(s.String()[:4096])
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Bytes(text)
	}
}
