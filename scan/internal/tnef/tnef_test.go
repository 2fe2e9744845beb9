package tnef

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/rtf"
)

// Test numbers; failure messages show them redacted.
const (
	visa = "4111 1111 1111 1111"
	ssn  = "489-36-8350"
)

func redact(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			return '#'
		}
		return r
	}, s)
}

func mustContain(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: number ending %s not found in %q", what, want[len(want)-4:], redact(got))
	}
}

func read(t *testing.T, data []byte) *Message {
	t.Helper()
	m, err := Read(data, Limits{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return m
}

func noProblems(t *testing.T, m *Message) {
	t.Helper()
	if ps := m.AllProblems(); len(ps) > 0 {
		t.Errorf("problems: %v", ps)
	}
}

func hasProblem(t *testing.T, m *Message, where, reason string) {
	t.Helper()
	for _, p := range m.AllProblems() {
		if p.Reason == reason && p.Where == where {
			return
		}
	}
	t.Errorf("problems %v, want %s at %q", m.AllProblems(), reason, where)
}

func TestNumberInBody(t *testing.T) {
	data := Build(BuildMessage{Subject: "Claim", Body: "My SSN is " + ssn + ", thanks", Recipients: []string{"Support Desk"}})
	if !IsTNEF(data) {
		t.Fatal("not recognised")
	}
	if bytes.Contains(data, []byte(ssn)) {
		t.Fatal("the number is in the raw stream as ASCII: PR_BODY is UTF-16")
	}
	m := read(t, data)
	noProblems(t, m)
	mustContain(t, "body", m.Body, ssn)
	if m.Subject != "Claim" {
		t.Errorf("subject %q", m.Subject)
	}
	if !strings.Contains(m.Properties, "Support Desk") {
		t.Errorf("recipient's name not in properties: %q", m.Properties)
	}
	if strings.Contains(m.Properties, "SMTP") || strings.Contains(m.Properties, "IPM.") {
		t.Errorf("identifiers in properties: %q", m.Properties)
	}
}

func TestNumberInRTFBody(t *testing.T) {
	doc := rtf.WordDoc{Paragraphs: []rtf.Para{{{Text: "Card " + visa, Split: 6, Digits: rtf.EscapeHex}}}}.Bytes()
	for _, stored := range []bool{false, true} {
		data := Build(BuildMessage{Subject: "s", RTF: doc, RTFStored: stored})
		m := read(t, data)
		noProblems(t, m)
		if m.RTF == nil {
			t.Fatalf("stored=%v: no RTF body read", stored)
		}
		mustContain(t, "rtf body", m.RTF.Text, visa)
	}
}

func TestNumberInAttachment(t *testing.T) {
	data := Build(BuildMessage{
		Subject: "files",
		Body:    "see attached",
		Attachments: []BuildAttachment{
			{Name: "card details.txt", MediaType: "text/plain", Data: []byte("card " + visa)},
			{Name: `C:\Users\jo\scan of the form.pdf`, Data: []byte("%PDF-1.4 ...")},
		},
	})
	m := read(t, data)
	noProblems(t, m)
	if len(m.Attachments) != 2 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	a := m.Attachments[0]
	if a.Name != "card details.txt" || a.MediaType != "text/plain" {
		t.Errorf("name %q, type %q", a.Name, a.MediaType)
	}
	mustContain(t, "attachment", string(a.Data), visa)
	if m.Attachments[1].Name != "scan of the form.pdf" {
		t.Errorf("a path kept in a name: %q", m.Attachments[1].Name)
	}
}

func TestEmbeddedItem(t *testing.T) {
	inner := BuildMessage{Subject: "fwd", Body: "inner " + ssn, Attachments: []BuildAttachment{{Name: "a.txt", Data: []byte(visa)}}}
	data := Build(BuildMessage{Subject: "outer", Attachments: []BuildAttachment{{Name: "Forwarded item", Message: &inner}}})
	m := read(t, data)
	noProblems(t, m)
	if len(m.Attachments) != 1 || m.Attachments[0].Message == nil {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	sub := m.Attachments[0].Message
	mustContain(t, "embedded body", sub.Body, ssn)
	if len(sub.Attachments) != 1 || sub.Attachments[0].Name != "a.txt" {
		t.Fatalf("embedded attachments %+v", sub.Attachments)
	}
	mustContain(t, "embedded attachment", string(sub.Attachments[0].Data), visa)

	// Nested past the depth budget: reported at the item's place.
	deep := inner
	for range 5 {
		d := deep
		deep = BuildMessage{Subject: "x", Attachments: []BuildAttachment{{Name: "item", Message: &d}}}
	}
	m, err := Read(Build(deep), Limits{MaxDepth: 3})
	if err != nil {
		t.Fatal(err)
	}
	hasProblem(t, m, "item/item/item/item", ReasonTooDeep)
}

func TestHTMLAndLegacyBody(t *testing.T) {
	data := Build(BuildMessage{
		CodePage:   932,
		Subject:    "件名",
		LegacyBody: "カード ４１１１ １１１１ １１１１ １１１１",
		HTML:       []byte("<p>\x82\x53</p>"),
	})
	m := read(t, data)
	noProblems(t, m)
	mustContain(t, "legacy body in code page 932", m.Body, "４１１１ １１１１ １１１１ １１１１")
	if m.Subject != "件名" {
		t.Errorf("subject %q", m.Subject)
	}
	if string(m.HTML) != "<p>\x82\x53</p>" || m.HTMLCharset != "shift_jis" {
		t.Errorf("html %q charset %q", m.HTML, m.HTMLCharset)
	}
}

// TestBodiesThatDiffer: a legacy body that says something else than
// PR_BODY is read too.
func TestBodiesThatDiffer(t *testing.T) {
	m := read(t, Build(BuildMessage{Body: "hello", LegacyBody: "SSN " + ssn}))
	if m.Body != "hello" {
		t.Errorf("body %q", m.Body)
	}
	mustContain(t, "properties", m.Properties, ssn)
	m = read(t, Build(BuildMessage{Body: "hello", LegacyBody: "hello\r\n"}))
	if m.Properties != "" {
		t.Errorf("the same body twice: %q", m.Properties)
	}
}

// TestMalformed: what is broken is reported, with what could be read.
func TestMalformed(t *testing.T) {
	good := Build(BuildMessage{Subject: "s", Body: "b", Attachments: []BuildAttachment{{Name: "a.txt", Data: []byte("data")}}})
	setU32 := func(data []byte, at int, v uint32) []byte {
		d := bytes.Clone(data)
		binary.LittleEndian.PutUint32(d[at:], v)
		return d
	}
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 0x55
	// The first attribute (attTnefVersion) starts at 6: its length at 11.
	tests := []struct {
		name, where, reason string
		data                []byte
	}{
		{"not TNEF", "", ReasonParseError, []byte("hello world")},
		{"empty", "", ReasonParseError, nil},
		{"header only", "", ReasonTruncated, good[:5]},
		{"cut in an attribute", "", ReasonTruncated, good[:len(good)-3]},
		{"a partial attribute header", "", ReasonTruncated, append(bytes.Clone(good), 2, 0x0f, 0x80)},
		{"a line break after the end, then a byte", "", ReasonTruncated, append(bytes.Clone(good), '\n', 2)},
		{"length past the end", "", ReasonTruncated, setU32(good, 11, 0xfffffff0)},
		{"checksum", "", ReasonBadEncoding, badSum},
		{"unknown level", "", ReasonUnsupported, func() []byte { d := bytes.Clone(good); d[6] = 7; return d }()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := read(t, tc.data)
			hasProblem(t, m, tc.where, tc.reason)
		})
	}
}

// TestTrailingLineBreak: a line break or NUL padding after the last
// attribute (as extraction from a mail leaves) is not a problem.
func TestTrailingLineBreak(t *testing.T) {
	good := Build(BuildMessage{Body: "b"})
	for _, tail := range []string{"\n", "\r\n", "\x00\x00\x00\x00"} {
		noProblems(t, read(t, append(bytes.Clone(good), tail...)))
	}
}

// TestEveryTruncation: a stream cut anywhere but between two attributes
// is reported, and no cut panics.
func TestEveryTruncation(t *testing.T) {
	doc := rtf.WordDoc{Paragraphs: []rtf.Para{{{Text: "x " + visa}}}}.Bytes()
	inner := BuildMessage{Body: "in", Attachments: []BuildAttachment{{Name: "i.txt", Data: []byte("i")}}}
	data := Build(BuildMessage{Subject: "s", Body: "b", RTF: doc, Recipients: []string{"r"},
		Attachments: []BuildAttachment{{Name: "a.txt", Data: []byte("data")}, {Name: "m", Message: &inner}}})
	bounds := map[int]bool{}
	for pos := 6; pos < len(data); {
		bounds[pos] = true
		pos += attrHeader + int(binary.LittleEndian.Uint32(data[pos+5:])) + 2
	}
	for n := range len(data) {
		m, err := Read(data[:n], Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !bounds[n] && len(m.AllProblems()) == 0 {
			t.Errorf("cut at %d of %d: no problem reported", n, len(data))
		}
	}
}

func TestPropertyLists(t *testing.T) {
	// attMsgProps with a property count far past its bytes, and one with
	// a type no one knows.
	stream := func(props []byte) []byte {
		w := &tnefWriter{}
		w.u32(signature)
		w.u16(1)
		w.attr(levelMessage, 0x0006_0000|attMsgProps, props)
		return w.b
	}
	var unknownType propWriter
	unknownType.tag(0x0777, 0x6000)
	unknownType.b = append(unknownType.b, 1, 2, 3, 4)
	var hugeValues propWriter
	hugeValues.tag(ptBinary, 0x6001)
	hugeValues.b = append(hugeValues.b, le32(0x7fffffff)...)
	var hugeLength propWriter
	hugeLength.tag(ptBinary, 0x6002)
	hugeLength.b = append(hugeLength.b, le32(1)...)
	hugeLength.b = append(hugeLength.b, le32(0xffffffff)...)
	var named propWriter
	named.tag(ptString, 0x8001)
	named.b = append(named.b, make([]byte, 16)...)
	named.b = append(named.b, le32(1)...)
	named.b = append(named.b, le32(6)...)
	named.b = append(named.b, 'k', 0, 'e', 0, 'y', 0, 0, 0)
	named.value([]byte{'4', 0, '1', 0, 0, 0})
	for _, tc := range []struct {
		name   string
		props  []byte
		reason string
	}{
		{"count", le32(0xffffffff), ReasonParseError},
		{"unknown type", unknownType.bytes(), ReasonParseError},
		{"value count", hugeValues.bytes(), ReasonParseError},
		{"value length", hugeLength.bytes(), ReasonParseError},
		{"cut", le32(1), ReasonParseError},
		{"named string property", named.bytes(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := read(t, stream(tc.props))
			if tc.reason == "" {
				noProblems(t, m)
				if m.Properties != "41" {
					t.Errorf("properties %q", m.Properties)
				}
				return
			}
			hasProblem(t, m, "", tc.reason)
		})
	}
}

func TestBudgets(t *testing.T) {
	many := BuildMessage{}
	for range 10 {
		many.Attachments = append(many.Attachments, BuildAttachment{Name: "a", Data: []byte("x")})
	}
	m, _ := Read(Build(many), Limits{MaxAttachments: 4})
	hasProblem(t, m, "", ReasonTooManyParts)
	if len(m.Attachments) != 4 {
		t.Errorf("%d attachments kept", len(m.Attachments))
	}

	m, _ = Read(Build(BuildMessage{Body: strings.Repeat("x", 1000)}), Limits{MaxText: 100})
	hasProblem(t, m, "", ReasonTooLarge)

	doc := []byte(`{\rtf1 ` + strings.Repeat("text ", 1000) + `}`)
	m, _ = Read(Build(BuildMessage{RTF: doc}), Limits{MaxRTF: 100})
	hasProblem(t, m, "body.rtf", ReasonTooLarge)

	m, _ = Read(Build(BuildMessage{RTF: []byte(`{\rtf1 {{{{x}}}}}`)}), Limits{RTF: rtf.Limits{MaxDepth: 2}})
	hasProblem(t, m, "body.rtf", ReasonTooDeep)

	// 8-bit strings in a code page no one knows.
	w := &tnefWriter{}
	w.u32(signature)
	w.u16(1)
	w.attr(levelMessage, 0x0006_0000|attOemCodepage, le32(12345))
	w.attr(levelMessage, atpText<<16|attBody, []byte("caf\xe9 4111"))
	m = read(t, w.b)
	hasProblem(t, m, "", ReasonUnknownCharset)
	if !strings.Contains(m.Body, "4111") {
		t.Errorf("body %q", m.Body)
	}
}

func TestCheckStops(t *testing.T) {
	stop := errors.New("time budget spent")
	var b BuildMessage
	for range 100 {
		b.Attachments = append(b.Attachments, BuildAttachment{Name: "a", Data: []byte("x")})
	}
	_, err := Read(Build(b), Limits{Check: func() error { return stop }})
	if !errors.Is(err, stop) {
		t.Errorf("err %v, want the check's", err)
	}
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"a.txt":            "a.txt",
		`C:\dir\b.pdf`:     "b.pdf",
		"../../etc/passwd": "passwd",
		"tab\tand\x00nul":  "tabandnul",
		" spaced ":         "spaced",
		"dir/":             "",
	} {
		if got := sanitizeName(in); got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPropertiesLeaveOutIdentifiers: the body's sync tag (the body with
// its spaces taken out, so that numbers run together), address types and
// Exchange addresses are not text to scan; names and comments are.
func TestPropertiesLeaveOutIdentifiers(t *testing.T) {
	var props propWriter
	props.string8(prRTFSyncBodyTag, "CALL5551234567OR5559876543")
	props.string8(prSenderAddrType2, "EX")
	props.unicode(0x4023, "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=CF7A7B9E0A1745B9")
	props.unicode(0x3004, "comment: SSN "+ssn) // PR_COMMENT
	props.string8(0x0c1a, "Jane Roe")          // PR_SENDER_NAME
	w := &tnefWriter{}
	w.u32(signature)
	w.u16(1)
	w.attr(levelMessage, 0x0006_0000|attMsgProps, props.bytes())
	m := read(t, w.b)
	noProblems(t, m)
	if want := "comment: SSN " + ssn + "\nJane Roe"; m.Properties != want {
		t.Errorf("properties %q, want the comment and the name only", redact(m.Properties))
	}
}
