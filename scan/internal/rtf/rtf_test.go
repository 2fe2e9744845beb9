package rtf

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// Test numbers: well-known test cards and an SSN that passes the SSA's
// rules. Failure messages show them redacted (digits as #).
const (
	visa   = "4111 1111 1111 1111"
	master = "5555555555554444"
	ssn    = "489-36-8350"
)

// redact hides every digit, so that a failure message never holds a
// full number.
func redact(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			return '#'
		}
		return r
	}, s)
}

func last4(s string) string {
	d := []rune(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			return r
		}
		return -1
	}, s))
	return string(d[max(0, len(d)-4):])
}

func extract(t *testing.T, doc []byte) *Result {
	t.Helper()
	res, err := Extract(doc, Limits{})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return res
}

func mustContain(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: number ending %s not found in %q", what, last4(want), redact(got))
	}
}

func noProblems(t *testing.T, res *Result) {
	t.Helper()
	if len(res.Problems) > 0 {
		t.Errorf("problems: %v", res.Problems)
	}
}

func TestWordRunsJoin(t *testing.T) {
	tests := []struct {
		name string
		span Span
		want string
		raw  bool // the number is in the raw RTF as it is
	}{
		{"one run", Span{Text: "Card " + visa + " thanks"}, visa, true},
		{"split across two run groups", Span{Text: "Card " + visa, Split: 12}, visa, false},
		{"a run group every rune", Span{Text: visa, Split: 1}, visa, false},
		{"digits as \\'xx", Span{Text: "Card " + visa, Digits: EscapeHex}, visa, false},
		{"digits as \\'xx, split", Span{Text: "Card " + visa, Digits: EscapeHex, Split: 3}, visa, false},
		{"digits as \\uN", Span{Text: "SSN " + ssn, Digits: EscapeUnicode}, ssn, false},
		{"digits as \\uN, split", Span{Text: master, Digits: EscapeUnicode, Split: 5}, master, false},
		{"full-width digits via \\uN", Span{Text: "カード ５５５５５５５５５５５５４４４４", Split: 7}, "５５５５５５５５５５５５４４４４", false},
		{"hidden text", Span{Text: "SSN " + ssn, Hidden: true, Split: 4}, ssn, false},
		{"hidden text, one run", Span{Text: "SSN " + ssn, Hidden: true}, ssn, true},
		{"escaped braces next to it", Span{Text: "{" + ssn + "}\\"}, "{" + ssn + "}\\", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := WordDoc{Title: "Letter", Paragraphs: []Para{{{Text: "Dear support,"}}, {tc.span}, {{Text: "Regards"}}}}.Bytes()
			if bytes.Contains(doc, []byte(tc.want)) != tc.raw {
				t.Fatal("the number is (or is not) in the raw RTF, unlike what this case is about")
			}
			res := extract(t, doc)
			noProblems(t, res)
			mustContain(t, "body", res.Text, tc.want)
			if !strings.Contains(res.Text, "Dear support,\n") || !strings.HasSuffix(res.Text, "Regards\n") {
				t.Errorf("paragraphs not read as lines: %q", redact(res.Text))
			}
		})
	}
}

// TestSkippedDestinations: nothing of the tables, the theme or the
// metadata reaches the text, even when the hex of a blob spells a number.
func TestSkippedDestinations(t *testing.T) {
	theme := []byte{0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11} // hex "4111111111111111"
	doc := WordDoc{Theme: theme, Paragraphs: []Para{{{Text: "Hello"}}}}.Bytes()
	if !bytes.Contains(doc, []byte("4111111111111111")) {
		t.Fatal("the theme blob does not hold the digits this test is about")
	}
	res := extract(t, doc)
	noProblems(t, res)
	if res.Text != "Hello\n" {
		t.Errorf("body = %q, want only the paragraph", redact(res.Text))
	}
	all := res.AllText()
	for _, junk := range []string{"4111", "Times New Roman", "Calibri", "Normal", "heading", "wordml", "2450", "Hyperlink"} {
		if strings.Contains(all, junk) {
			t.Errorf("%q read from a table or blob: %q", redact(junk), redact(all))
		}
	}
}

func TestInfoAndHeader(t *testing.T) {
	doc := WordDoc{
		Title:      "Claim " + ssn,
		Author:     "Jane Roe",
		Header:     "Ref " + visa,
		Paragraphs: []Para{{{Text: "See header"}}},
	}.Bytes()
	res := extract(t, doc)
	noProblems(t, res)
	mustContain(t, "info", res.Info, ssn)
	mustContain(t, "info", res.Info, "Jane Roe")
	mustContain(t, "other", res.Other, visa)
	if strings.Contains(res.Text, "Jane") || strings.Contains(res.Text, "Ref") {
		t.Errorf("properties or header in the body: %q", redact(res.Text))
	}
	mustContain(t, "all", res.AllText(), ssn)
}

func TestHyperlinkField(t *testing.T) {
	doc := WordDoc{Paragraphs: []Para{{
		{Text: "Pay "},
		{Link: "https://pay.example/?card=" + strings.ReplaceAll(visa, " ", ""), Text: "here"},
		{Text: " or call"},
	}}}.Bytes()
	res := extract(t, doc)
	noProblems(t, res)
	if res.Text != "Pay here or call\n" {
		t.Errorf("field result: %q", redact(res.Text))
	}
	if len(res.Links) != 1 || !strings.HasPrefix(res.Links[0], "https://pay.example/?card=") {
		t.Errorf("links = %q", redact(strings.Join(res.Links, " ")))
	}
	mustContain(t, "other", res.Other, strings.ReplaceAll(visa, " ", ""))
}

func TestHyperlinkArguments(t *testing.T) {
	tests := []struct{ inst, want string }{
		{`HYPERLINK "http://a.example/x y"`, "http://a.example/x y"},
		{`HYPERLINK \l "_Toc1" \o "tip"`, ""},
		{`HYPERLINK \o "tip" http://b.example/`, "http://b.example/"},
		{` hyperlink  http://c.example/ `, "http://c.example/"},
		{`PAGE \* MERGEFORMAT`, ""},
	}
	for _, tc := range tests {
		doc := `{\rtf1{\field{\*\fldinst ` + strings.ReplaceAll(tc.inst, `\`, `\\`) + `}{\fldrslt x}}}`
		res := extract(t, []byte(doc))
		got := strings.Join(res.Links, "|")
		if got != tc.want {
			t.Errorf("%s: links %q, want %q", tc.inst, got, tc.want)
		}
	}
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 40, 12))
	for x := range 40 {
		img.Set(x, 6, color.White)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPictures(t *testing.T) {
	pic := testPNG(t)
	doc := WordDoc{Paragraphs: []Para{{{Text: "Photo: "}, {Picture: pic}, {Text: " end"}}}}.Bytes()
	res := extract(t, doc)
	noProblems(t, res)
	if len(res.Images) != 2 {
		t.Fatalf("%d images, want the PNG and its fallback", len(res.Images))
	}
	p, f := res.Images[0], res.Images[1]
	if p.Format != "png" || !bytes.Equal(p.Data, pic) || p.Fallback {
		t.Errorf("primary: format %q, %d bytes, fallback %v", p.Format, len(p.Data), p.Fallback)
	}
	if _, err := png.Decode(bytes.NewReader(p.Data)); err != nil {
		t.Errorf("primary picture does not decode: %v", err)
	}
	if f.Format != "wmf" || !f.Fallback {
		t.Errorf("second: format %q, fallback %v; want the wmf fallback", f.Format, f.Fallback)
	}
	if p.Name(1) != "image1.png" {
		t.Errorf("name %q", p.Name(1))
	}
	if res.Text != "Photo:  end\n" {
		t.Errorf("hex or shape properties read as text: %q", redact(res.Text))
	}
}

// TestFallbackOnlyAfterPrimary: a \nonshppict picture with no \shppict
// just before it is the only one a reader has: primary.
func TestFallbackOnlyAfterPrimary(t *testing.T) {
	doc := `{\rtf1 a{\nonshppict{\pict\pngblip 89504e47}}b{\*\shppict{\pict\pngblip 01}} {\nonshppict{\pict\wmetafile8 02}}` +
		`{\shp{\*\shpinst{\sp{\sn pib}{\sv {\pict\pngblip 03}}}}{\shprslt{\pict\wmetafile8 04}}}}`
	res := extract(t, []byte(doc))
	var got []string
	for _, im := range res.Images {
		s := im.Format
		if im.Fallback {
			s += "(fallback)"
		}
		got = append(got, s)
	}
	// The second \nonshppict follows a space, not its \shppict: primary.
	want := "png wmf png wmf(fallback)"
	if strings.Join(got[1:], " ") != want || got[0] != "png" {
		t.Errorf("pictures %v, want png then %s", got, want)
	}
}

func TestBinAndDIB(t *testing.T) {
	// A 2x1 24-bit DIB given as \bin, whose raw bytes hold braces and
	// backslashes that must not be read as RTF.
	dib := []byte{40, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 8, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		'{', '}', '\\', 0xff, '}', '}', 0, 0}
	doc := append([]byte(`{\rtf1 before {\pict\dibitmap0\picw2\pich1\bin48 `), dib...)
	doc = append(doc, []byte(`} after {\*\junk\bin3 }}x} end}`)...)
	res := extract(t, doc)
	noProblems(t, res)
	if res.Text != "before  after  end" {
		t.Errorf("text %q", res.Text)
	}
	if len(res.Images) != 1 {
		t.Fatalf("%d images", len(res.Images))
	}
	im := res.Images[0]
	if im.Format != "bmp" || !bytes.HasPrefix(im.Data, []byte("BM")) || !bytes.Equal(im.Data[14:], dib) || im.Width != 2 {
		t.Errorf("dib: format %q, %d bytes", im.Format, len(im.Data))
	}
}

func TestCodePages(t *testing.T) {
	tests := []struct {
		name, doc, want string
		problem         string
	}{
		{"ansi \\'xx", `{\rtf1\ansi\ansicpg1252 caf\'e9 \'93quoted\'94}`, "café “quoted”", ""},
		{"cp1251 document", `{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2}`, "Привет", ""},
		{"Shift-JIS full-width digits", `{\rtf1\ansi\ansicpg932 \'82\'53\'82\'50\'82\'50\'82\'50}`, "４１１１", ""},
		{"Shift-JIS lead and literal trail", `{\rtf1\ansi\ansicpg932 \'82P}`, "１", ""},
		{"font charset 128 in a 1252 document", `{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset128 MS Mincho;}}\f0 a\'e9{\f1 \'82\'50}}`, "aé１", ""},
		{"\\dbch font of Word's run", `{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\fcharset0 Arial;}{\f13\fcharset128 MS Mincho;}}{\hich\af13\dbch\af13\loch\f13 \'82\'50\'82\'51}}`, "１２", ""},
		{"\\cpg in font table", `{\rtf1\ansi{\fonttbl{\f2\cpg1253 Greek;}}\f2 \'e1}`, "α", ""},
		{"lead byte then digit", `{\rtf1\ansi\ansicpg932 \'824111}`, "\ufffd4111", ""},
		{"unknown code page", `{\rtf1\ansi\ansicpg12345 x\'e9 4111}`, "xé 4111", ReasonUnknownCharset},
		{"Johab font", `{\rtf1{\fonttbl{\f1\fcharset130 Johab;}}\f1 \'88\'61}`, "", ReasonUnknownCharset},
		{"unknown code page, ASCII only", `{\rtf1\ansi\ansicpg12345 4111}`, "4111", ""},
		{"UTF-8 code page", `{\rtf1\ansi\ansicpg65001 \'e2\'82\'ac}`, "€", ""},
		{"mac", `{\rtf1\mac \'8e}`, "é", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := extract(t, []byte(tc.doc))
			if !strings.Contains(res.Text, tc.want) {
				t.Errorf("text %q, want %q", res.Text, tc.want)
			}
			checkProblem(t, res, tc.problem)
		})
	}
}

func checkProblem(t *testing.T, res *Result, reason string) {
	t.Helper()
	if reason == "" {
		noProblems(t, res)
		return
	}
	for _, p := range res.Problems {
		if p.Reason == reason {
			return
		}
	}
	t.Errorf("problems %v, want one %s", res.Problems, reason)
}

func TestUnicode(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"default \\uc1", `{\rtf1 \u52?\u49?\u49?\u49?}`, "4111"},
		{"\\uc2 with \\'xx fallbacks", `{\rtf1\uc2 \u65300\'82\'53\u65297\'82\'50}`, "４１"},
		{"\\uc0", `{\rtf1\uc0 \u52 1}`, "41"},
		{"negative N", `{\rtf1 \u-257?}`, "\ufeff"},
		{"surrogate pair", `{\rtf1 \u-10179?\u-8704?}`, "😀"},
		{"fallback ended by a brace", `{\rtf1\uc3 {\u52 a}1}`, "41"},
		{"\\uc is scoped to its group", `{\rtf1 {\uc2 \u52 ab}\u49 c1}`, "411"},
		{"symbol font digits", `{\rtf1 \u-4048?\u-4047?}`, "01"},
		{"\\u as another's fallback is kept", `{\rtf1 \u52\u49 x}`, "41"},
		{"lone high surrogate", `{\rtf1 \u-10179?x}`, "\ufffdx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := extract(t, []byte(tc.doc))
			noProblems(t, res)
			if res.Text != tc.want {
				t.Errorf("text %q, want %q", res.Text, tc.want)
			}
		})
	}
}

func TestStructure(t *testing.T) {
	tests := []struct{ name, doc, text, other string }{
		{"table cells and rows", `{\rtf1 \trowd a\cell 4111\cell\row b\cell c\cell\row}`, "a\t4111\t\nb\tc\t\n", ""},
		{"symbols", `{\rtf1 a\~b\_c\-d\tab e\line f\emdash\bullet}`, "a b-cd\te\nf—•", ""},
		{"control words end at a non-letter", `{\rtf1\b0\fs24 4111\par\insrsid123 1111}`, "4111\n1111", ""},
		{"a footnote does not split the body", `{\rtf1 4111 1111{\cs1\super\chftn{\footnote note 9}} 1111 1111}`, "4111 1111 1111 1111", "note 9\n"},
		{"an unknown ignorable destination goes to other", `{\rtf1 a{\*\mystery 12345}b}`, "ab", "12345\n"},
		{"an unknown one inside a dropped table stays dropped", `{\rtf1{\stylesheet{\*\cs9 Style 7;}}x}`, "x", ""},
		{"\\upr reads the Unicode twin only", `{\rtf1 {\upr{caf\'e9}{\*\ud{caf\u233?}}}}`, "café", ""},
		{"\\* not first is nothing", `{\rtf1 {\b \*\x 12}}`, "12", ""},
		{"a destination word not first is formatting", `{\rtf1 {a \fonttbl 1}}`, "a 1", ""},
		{"list labels go to other", `{\rtf1 {\listtext 1.\tab}Item}`, "Item", "1.\t\n"},
		{"encapsulated HTML tags go to other", `{\rtf1\fromhtml1 {\*\htmltag19 <b>}\htmlrtf {\b \htmlrtf0 4111}}`, "4111", "<b>\n"},
		{"text after the last brace is read", `{\rtf1 a}b}`, "ab", ""},
		{"CR and LF are not text", "{\\rtf1 41\r\n11}", "4111", ""},
		{"\\ at a line end is \\par", "{\\rtf1 a\\\nb}", "a\nb", ""},
		{"hex that is not hex", `{\rtf1 \'g1}`, "g1", ""},
		{"long parameters", `{\rtf1\insrsid999999999999999999 x}`, "x", ""},
		{"\\bin in text is skipped", "{\\rtf1 a\\bin2 zzb}", "ab", ""},
		{"object rendering read", `{\rtf1 {\object\objemb{\*\objclass Excel.Sheet.12}{\*\objdata 0102}{\result {4111}}}}`, "4111", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := extract(t, []byte(tc.doc))
			if res.Text != tc.text || res.Other != tc.other {
				t.Errorf("text %q other %q, want %q and %q", res.Text, res.Other, tc.text, tc.other)
			}
		})
	}
}

func TestObjectIsUnsupported(t *testing.T) {
	res := extract(t, []byte(`{\rtf1 {\object\objemb{\*\objdata 0102}{\result x}}}`))
	if res.Objects != 1 {
		t.Errorf("objects %d", res.Objects)
	}
	checkProblem(t, res, ReasonUnsupported)
}

func TestBudgets(t *testing.T) {
	deep := strings.Repeat("{", 300) + "4111" + strings.Repeat("}", 300)
	tests := []struct {
		name   string
		doc    string
		lim    Limits
		reason string
	}{
		{"depth", `{\rtf1 ` + deep + `}`, Limits{}, ReasonTooDeep},
		{"depth, small limit", `{\rtf1 {{{x}}}}`, Limits{MaxDepth: 3}, ReasonTooDeep},
		{"unbalanced at the end", `{\rtf1 {\b 4111 1111`, Limits{}, ReasonTruncated},
		{"text", `{\rtf1 ` + strings.Repeat("a", 100) + `}`, Limits{MaxText: 50}, ReasonTooLarge},
		{"control words", `{\rtf1 ` + strings.Repeat(`\b`, 100) + `}`, Limits{MaxControls: 50}, ReasonTooLarge},
		{"picture bytes", `{\rtf1 {\pict\pngblip ` + strings.Repeat("00", 100) + `}}`, Limits{MaxImageBytes: 50}, ReasonTooLarge},
		{"pictures", `{\rtf1 ` + strings.Repeat(`{\pict\pngblip 00}`, 5) + `}`, Limits{MaxImages: 3}, ReasonTooLarge},
		{"\\bin past the end", `{\rtf1 {\pict\bin99 abc}}`, Limits{}, ReasonTruncated},
		{"\\bin without length", `{\rtf1 {\pict\bin abc}}`, Limits{}, ReasonParseError},
		{"no header", `hello 4111`, Limits{}, ReasonParseError},
		{"nested picture", `{\rtf1 {\pict{\*\picprop{\sv{\pict 00}}}00}}`, Limits{}, ReasonUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Extract([]byte(tc.doc), tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			checkProblem(t, res, tc.reason)
		})
	}
}

func TestBudgetsKeepWhatWasRead(t *testing.T) {
	res, _ := Extract([]byte(`{\rtf1 `+visa+` `+strings.Repeat("x", 1000)+`}`), Limits{MaxText: 100})
	mustContain(t, "text before the budget ran out", res.Text, visa)
	if len(res.Text) > 101 {
		t.Errorf("text of %d bytes past a budget of 100", len(res.Text))
	}
}

func TestCheckStops(t *testing.T) {
	stop := errors.New("time budget spent")
	calls := 0
	lim := Limits{Check: func() error {
		calls++
		return stop
	}}
	_, err := Extract([]byte(`{\rtf1 `+strings.Repeat(`\b x`, 10000)+`}`), lim)
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err %v after %d calls, want the check's error at once", err, calls)
	}
}

func TestIsRTF(t *testing.T) {
	for doc, want := range map[string]bool{
		`{\rtf1\ansi x}`:           true,
		"\xef\xbb\xbf \r\n{\\rtf1": true,
		`{\rtf`:                    true,
		`{\rt`:                     false,
		`hello {\rtf1`:             false,
	} {
		if got := IsRTF([]byte(doc)); got != want {
			t.Errorf("IsRTF(%q) = %v", doc, got)
		}
	}
}

func TestDecodeCodePage(t *testing.T) {
	tests := []struct {
		cp   int
		in   string
		want string
		ok   bool
	}{
		{1252, "caf\xe9", "café", true},
		{932, "\x82\x50\x82\x51", "１２", true},
		{936, "\xa3\xb1", "１", true},
		{949, "\xa3\xb1", "１", true},
		{950, "\xa2\xb0", "１", true},
		{65001, "\xe2\x82\xac", "€", true},
		{99999, "4111\xe9", "4111é", false},
		{99999, "4111", "4111", true},
		{932, "\x82", "\ufffd", true},
		{65001, "\xe2\x82", "\ufffd\ufffd", true},
	}
	for _, tc := range tests {
		got, ok := DecodeCodePage(tc.cp, []byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("DecodeCodePage(%d, %q) = %q, %v; want %q, %v", tc.cp, tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
