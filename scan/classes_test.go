package scan

import (
	"context"
	"strings"
	"testing"
)

// The classes of readable numbers the leak issues found scanned clean
// (issue 8 item 5, issue 15 item 9, issue 13 item 4), each with the
// look-alikes that must stay clean. A person reads every positive here as
// the number; none may pass as clean.
var classCases = []struct {
	class, name, text, want string
}{
	// 1. Digit groups in cells: pasted from a spreadsheet.
	{"tab", "card 4-4-4-4", "4111\t1111\t1111\t1111", "pan:1111"},
	{"tab", "card in a row", "Card\t4111\t1111\t1111\t1111\t12/27", "pan:1111"},
	{"tab", "card with cvv cell", "Visa\t4111\t1111\t1111\t1111\t123\tJohn", "pan:1111"},
	{"tab", "amex 4-6-5", "Amex:\t3782\t822463\t10005", "pan:0005"},
	{"tab", "card full-width", "カード\t４１１１\t１１１１\t１１１１\t１１１１", "pan:1111"},
	{"tab", "two tabs (empty cell)", "4111\t\t1111\t\t1111\t\t1111", "pan:1111"},
	{"tab", "card list", "Name\tCard\nAnn\t4111\t1111\t1111\t1111\nBob\t5555\t5555\t5555\t4444\n", "pan:1111 pan:4444"},
	{"tab", "card rows of numbers", "4111\t1111\t1111\t1111\n4012\t8888\t8888\t1881", "pan:1111 pan:1881"},
	{"tab", "card then expiry typed", "4111\t1111\t1111\t1111 12/27 123", "pan:1111"},
	{"tab", "ssn near keyword", "SSN\t489\t36\t8350", "ssn:8350"},
	{"tab", "ssn in a sentence", "my social security number is 489\t36\t8350 thanks", "ssn:8350"},
	{"tab", "ssn unbroken in a cell", "SSN\t489368350\t1980", "ssn:8350"},
	{"tab", "card unbroken in a cell", "x\t4111111111111111\t12\t27", "pan:1111"},
	{"tab", "spaced card in a cell", "12\t4111 1111 1111 1111\t2027", "pan:1111"},
	{"tab-neg", "ssn shape without keyword", "Room\t489\t36\t8350", ""},
	{"tab-neg", "row of amounts", "4111\t1111\t1111\t1112", ""},
	{"tab-neg", "five 4-digit cells", "2024\t4111\t1111\t1111\t1111", ""},
	{"tab-neg", "card-shaped row longer", "4111\t1111\t1111\t1111\t1111\t2222", ""},
	{"tab-neg", "card-shaped row in a data table", "1200\t1350\t1420\t1580\n4111\t1111\t1111\t1111\n1300\t1400\t1500\t1600", ""},
	{"tab-neg", "card-shaped row under a row of years", "Alice\t2021\t2022\t2023\t2024\nBob\t4111\t1111\t1111\t1111", ""},
	{"tab-neg", "card-shaped row under an amount row", "Q1\t1,200.50\t950.00\t14.25\nQ2\t4111\t1111\t1111\t1111", ""},
	{"tab-neg", "card-shaped row above a row typed on", "Apples\t4111\t1111\t1111\t1111\nUnit\t2849\t1987\t1295\t5520 Let me know.", ""},
	{"tab-neg", "ids and amounts", "1042\t4111\t25.00\t2024-03-15\t1111\t1111\t1111", ""},
	{"tab-neg", "row glued to a letter", "Q4111\t1111\t1111\t1111", ""},
	{"tab-neg", "row continues after a decimal", "4111\t1111\t1111\t1111.50", ""},
	{"tab-neg", "row cut from a longer one", "99999\t4111\t1111\t1111\t1111", ""},
	{"tab-neg", "mixed cell", "4111 1111\t1111\t1111", ""},
	{"tab-neg", "row then a long number", "4111\t1111\t1111\t1111 20240", ""},

	// 2. Format characters between digits (category Cf): invisible.
	{"cf", "word joiner", "4111\u20601111\u20601111\u20601111", "pan:1111"},
	{"cf", "lrm", "card \u200e4111 1111\u200e 1111 1111\u200e", "pan:1111"},
	{"cf", "rlm between digits", "4111\u200f1111\u200f1111\u200f1111", "pan:1111"},
	{"cf", "bom", "4111\ufeff1111\ufeff1111\ufeff1111", "pan:1111"},
	{"cf", "soft hyphen", "4111\u00ad1111\u00ad1111\u00ad1111", "pan:1111"},
	// NULs (QP =00, UTF-16 U+0000 left in text) are drawn as nothing too.
	{"cf", "nul between groups", "4111\x001111\x001111\x001111", "pan:1111"},
	{"cf", "two nuls", "card 4111\x00\x001111\x00\x001111\x00\x001111", "pan:1111"},
	{"cf", "ssn with nuls", "ssn 489\x0036\x008350", "ssn:8350"},
	{"cf", "mongolian vowel separator", "4111\u180e1111\u180e1111\u180e1111", "pan:1111"},
	{"cf", "invisible operators", "4111\u20611111\u20621111\u20631111\u2064", "pan:1111"},
	{"cf", "bidi embedding", "\u202a4111 1111 1111 1111\u202c", "pan:1111"},
	{"cf", "bidi override inside", "4111\u202d 1111\u202e 1111\u202c 1111", "pan:1111"},
	{"cf", "bidi isolates", "4111\u20661111\u20691111\u20671111\u2068\u2069", "pan:1111"},
	{"cf", "between every digit", "4\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1\u200e1", "pan:1111"},
	{"cf", "several in a row", "4111\u200e\u200f\u20601111 1111 1111", "pan:1111"},
	{"cf", "arabic letter mark", "4111\u061c1111\u061c1111\u061c1111", "pan:1111"},
	{"cf", "tag characters", "4111\U000e00201111 1111 1111", "pan:1111"},
	{"cf", "ssn dashes and lrm", "489\u200e-36\u200e-8350", "ssn:8350"},
	{"cf", "ssn inside a group", "48\u20609-3\u00ad6-83\u200b50", "ssn:8350"},
	{"cf", "ssn bare with keyword", "SSN 489\u206036\u20608350", "ssn:8350"},
	{"cf", "ssn around separator", "489 \u200f36\u200f 8350", "ssn:8350"},
	{"space", "medium mathematical space", "4111\u205f1111\u205f1111\u205f1111", "pan:1111"},
	{"space", "line separator", "card 4111 1111\u20281111 1111", "pan:1111"},
	{"space", "next line", "SSN 489 36\u00858350", "ssn:8350"},
	{"cf-neg", "ssn bare without keyword", "order 489\u206036\u20608350", ""},
	{"cf-neg", "luhn fail", "4111\u20601111\u20601111\u20601112", ""},
	{"cf-neg", "phone with marks", "\u200e+1 425\u200e 882\u200e 9090", ""},
	{"cf-neg", "date with marks", "\u200f2024\u200f-03-15\u200f", ""},

	// 3. Glued to text of scripts written without spaces.
	{"cjk", "japanese full-width", "カード番号は４１１１１１１１１１１１１１１１です", "pan:1111"},
	{"cjk", "japanese ascii", "カード番号は4111111111111111です", "pan:1111"},
	{"cjk", "chinese", "我的卡号是4111111111111111谢谢", "pan:1111"},
	{"cjk", "chinese grouped", "我的卡号是4111 1111 1111 1111谢谢", "pan:1111"},
	{"cjk", "thai", "หมายเลขบัตรของฉันคือ4111111111111111ครับ", "pan:1111"},
	{"cjk", "thai full-width", "บัตร４１１１１１１１１１１１１１１１ค่ะ", "pan:1111"},
	{"cjk", "korean", "카드번호4111111111111111입니다", "pan:1111"},
	{"cjk", "katakana long mark", "カードー4111111111111111ーです", "pan:1111"},
	{"cjk", "half-width katakana", "ｶｰﾄﾞ4111111111111111ﾃﾞｽ", "pan:1111"},
	{"cjk", "ssn japanese", "社会保障番号489-36-8350です", "ssn:8350"},
	{"cjk", "ssn full-width", "社会保障番号４８９－３６－８３５０です", "ssn:8350"},
	{"cjk", "ssn chinese", "我的社会安全号码是489-36-8350谢谢", "ssn:8350"},
	{"cjk", "ssn bare japanese keyword", "社会保障番号は489368350です", "ssn:8350"},
	{"cjk", "ssn bare chinese keyword", "社会安全号码489368350", "ssn:8350"},
	{"cjk", "ssn bare traditional keyword", "社會安全號碼：489368350。", "ssn:8350"},
	{"cjk", "ssn bare korean keyword", "사회보장번호489368350입니다", "ssn:8350"},
	{"cjk", "ssn bare english keyword glued to cjk", "我的SSN是489368350", "ssn:8350"},
	{"cjk", "ssn bare keyword after cjk", "番号ssn 489368350", "ssn:8350"},
	{"cjk-neg", "bare nine without keyword", "注文番号489368350です", ""},
	{"cjk-neg", "luhn fail", "カード番号は4111111111111112です", ""},
	{"cjk-neg", "no issuer", "会員番号1234567890123です", ""},
	{"cjk-neg", "phone", "電話番号03-1234-5678です", ""},
	{"cjk-neg", "date", "2024年03月15日に", ""},
	{"cjk-neg", "hex token still a token", "ID是ab4111111111111111cd", ""},

	// 4. After a word and a hyphen.
	{"hyphen", "card unbroken", "my card-4929737510871095", "pan:1095"},
	{"hyphen", "visa dashed", "visa-4929-7375-1087-1095", "pan:1095"},
	{"hyphen", "card spaced", "card-4929 7375 1087 1095", "pan:1095"},
	{"hyphen", "file name", "card-4929737510871095.bin", "pan:1095"},
	{"hyphen", "message id", "<card-4929737510871095@example.org>", "pan:1095"},
	{"hyphen", "capitalised", "Mastercard-5555555555554444 please", "pan:4444"},
	{"hyphen", "ssn", "ssn-489-36-8350", "ssn:8350"},
	{"hyphen-neg", "invoice id", "INV-2024-000123", ""},
	{"hyphen-neg", "order 13 digits", "order-1234567890123", ""},
	{"hyphen-neg", "luhn fail", "order-4929737510871096", ""},
	{"hyphen-neg", "no issuer 16", "ref-8929737510871095", ""},
	{"hyphen-neg", "hyphen on both sides", "id-4929737510871095-x", ""},
	{"hyphen-neg", "glued on the right", "abc-4929737510871095xyz", ""},
	{"hyphen-neg", "po date id", "PO-20240315-0042", ""},
	{"hyphen-neg", "grouped oddly", "SKU-4929-737510-871095", ""},

	// 5. SSN with mixed separators next to an SSN keyword.
	{"mixed", "space then dash", "SSN 589 93-7059", "ssn:7059"},
	{"mixed", "dash then space", "my social security number is 589-93 7059.", "ssn:7059"},
	{"mixed", "spaced dash then dash", "ITIN: 912 - 70-1234", "ssn:1234"},
	{"mixed", "keyword after", "589-93 7059 is my SSN", "ssn:7059"},
	{"mixed-neg", "no keyword", "Part 589 93-7059 is back-ordered", ""},
	{"mixed-neg", "no keyword dash first", "ref 589-93 7059", ""},
	{"mixed-neg", "phone near keyword", "SSA office phone 589 937-0591", ""},
	{"mixed-neg", "phone 3-3-4 mixed", "SSN office: call 800-772 1213", ""},
	{"mixed-neg", "date near keyword", "SSN card issued 2019 03-15", ""},
	{"mixed-neg", "longer run near keyword", "SSN 589 93-7059-1", ""},
	{"mixed-neg", "more groups near keyword", "SSN 12 589 93-7059", ""},
	{"mixed-neg", "dot mix near keyword", "SSN 589.93-7059", ""},
}

func TestReadableClasses(t *testing.T) {
	for _, c := range classCases {
		t.Run(c.class+"/"+c.name, func(t *testing.T) {
			if got := found(c.text); got != c.want {
				t.Errorf("Detect(%q) = %q, want %q", printable(c.text), got, c.want)
			}
		})
	}
}

// TestMaskReadableClasses: the masked text of every positive holds no full
// number and shows at most the last four digits of each; it keeps the
// invisible characters and separators where they were.
func TestMaskReadableClasses(t *testing.T) {
	for _, c := range classCases {
		if c.want == "" {
			continue
		}
		masked := MaskString(c.text)
		if again := found(masked); again != "" {
			t.Errorf("%s/%s: masked text still holds %s", c.class, c.name, again)
		}
		// Every digit left in the masked text is one of the last fours.
		keep := 0
		for _, f := range strings.Fields(c.want) {
			keep += len(f) - strings.IndexByte(f, ':') - 1
		}
		if n := len(digitsIn(masked)); n > keep+countDigitsOutside(c.text) {
			t.Errorf("%s/%s: %d digits left in the masked text %q, at most %d", c.class, c.name, n, printable(masked), keep+countDigitsOutside(c.text))
		}
	}
	for _, c := range []struct{ in, want string }{
		{"4111\t1111\t1111\t1111\t123", "****\t****\t****\t1111\t***"},
		{"SSN\t489\t36\t8350", "SSN\t***-**-8350"},
		{"4111\t1111\t1111\t1111 12 27", "****\t****\t****\t1111 ** **"},
		{"4111\u20601111\u20601111\u20601111", "****\u2060****\u2060****\u20601111"},
		{"カード番号は４１１１１１１１１１１１１１１１です", "カード番号は************1111です"},
		{"card-4929737510871095.bin", "card-************1095.bin"},
		{"SSN 589 93-7059", "SSN ***-**-7059"},
	} {
		if got := MaskString(c.in); got != c.want {
			t.Errorf("MaskString(%q) = %q, want %q", printable(c.in), printable(got), c.want)
		}
	}
}

func digitsIn(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		v, size, ok := digitAt([]byte(s), i)
		if ok {
			b.WriteByte(byte('0' + v))
		}
		i += size
	}
	return b.String()
}

// countDigitsOutside counts the digits of c that belong to no finding
// (dates and cells beside a number).
func countDigitsOutside(text string) int {
	b := []byte(text)
	in := 0
	for _, m := range Detect(b) {
		end := m.End
		if m.maskEnd > end {
			end = m.maskEnd
		}
		in += len(digitsIn(text[m.Start:end]))
	}
	return len(digitsIn(text)) - in
}

// TestTableCellsThroughTheWalk: cells of an HTML table reach the detector
// separated by tabs, one row a line, so a card typed one group per cell
// is found and a table of figures with a card-shaped row is not.
func TestTableCellsThroughTheWalk(t *testing.T) {
	cases := []struct{ name, html, want string }{
		{"card in cells", "<table><tr><td>Card</td><td>4111</td><td>1111</td><td>1111</td><td>1111</td></tr></table>", "body=pan:1111"},
		{"ssn in cells", "<p>SSN:</p><table><tr><td>489</td><td>36</td><td>8350</td></tr></table>", "body=ssn:8350"},
		{"figures", "<table><tr><td>Q1</td><td>Q2</td><td>Q3</td><td>Q4</td></tr><tr><td>1200</td><td>1350</td><td>1420</td><td>1580</td></tr>" +
			"<tr><td>4111</td><td>1111</td><td>1111</td><td>1111</td></tr><tr><td>1300</td><td>1400</td><td>1500</td><td>1600</td></tr></table>", ""},
	}
	for _, c := range cases {
		raw := msg("Content-Type: text/html; charset=utf-8\r\n", []byte(c.html))
		res, err := New(DefaultLimits()).Scan(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(res); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
