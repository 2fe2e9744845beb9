package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/scan/internal/rtf"
	"github.com/intake-mail/intake/scan/internal/testdoc"
	"github.com/intake-mail/intake/scan/internal/tnef"
)

// fuzzLimits are small, so one input cannot take the fuzzer's memory or
// time, and so crossing a budget is a path the fuzzer reaches.
func fuzzLimits() Limits {
	return Limits{
		MaxDecodedBytes: 4 << 20,
		MaxDepth:        8,
		MaxParts:        64,
		MaxArchiveRatio: 100,
		MaxArchiveFiles: 64,
		MaxTime:         5 * time.Second,
	}
}

// checkBudget asserts an extractor stayed within the decoded-bytes budget;
// the text itself may be charged once past it (that is how it is refused).
func checkBudget(t *testing.T, b *account, extra int) {
	t.Helper()
	if b.Decoded() > b.lim.MaxDecodedBytes+int64(extra) {
		t.Fatalf("decoded %d bytes, budget %d", b.Decoded(), b.lim.MaxDecodedBytes)
	}
}

func officeSeeds(t testing.TB) [][]byte {
	return [][]byte{
		testdoc.Zip(t, contentTypes(), testdoc.ZipFile{Name: "word/document.xml", Data: wordDoc(`<w:p><w:r><w:t>4111 11</w:t></w:r><w:r><w:t>11</w:t><w:tab/><w:br/></w:r></w:p>`)}),
		testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "xl/sharedStrings.xml", Data: []byte(`<sst><si><t>a</t></si></sst>`)},
			testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>1</v></c></row></sheetData></worksheet>`)}),
		testdoc.Zip(t, testdoc.ZipFile{Name: "mimetype", Data: []byte("application/vnd.oasis.opendocument.text"), Store: true},
			testdoc.ZipFile{Name: "content.xml", Data: []byte(`<o:d xmlns:o="o" xmlns:text="t"><text:p>a<text:s/>b</text:p></o:d>`)}),
	}
}

func FuzzExtractOffice(f *testing.F) {
	for i, s := range officeSeeds(f) {
		f.Add(uint8(i), s)
	}
	formats := []format{formatDOCX, formatXLSX, formatPPTX, formatODF}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		b := newAccount(context.Background(), fuzzLimits())
		text, _ := officeText(b, formats[int(which)%len(formats)], data)
		checkBudget(t, b, len(text))
	})
}

func rtfSeeds() [][]byte {
	return [][]byte{
		rtf.WordDoc{Title: "t", Paragraphs: []rtf.Para{{{Text: "SSN 489-36-8350", Split: 2, Digits: rtf.EscapeUnicode}}}}.Bytes(),
		[]byte(`{\rtf1\ansi\ansicpg932{\fonttbl{\f1\fcharset128 M;}}\f1 \'82\'50{\pict\pngblip\picw40\pich8 89504e470d0a1a0a}\par}`),
		[]byte(`{\rtf1{\object{\*\objdata 00}{\result 4111}}{\*\themedata 41111111}`),
	}
}

// FuzzExtractRTF: the walk's RTF reader stays within the message's
// budget, and a document it passes (no error) is one the reader read
// without a problem: what it could not read is never clean.
func FuzzExtractRTF(f *testing.F) {
	for _, s := range rtfSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(20*time.Second, func() { panic("rtfText hung past its time budget") })
		defer watchdog.Stop()
		b := newAccount(context.Background(), fuzzLimits())
		text, err := rtfText(b, data)
		checkBudget(t, b, len(text))
		if err != nil {
			return
		}
		res, _ := rtf.Extract(data, rtf.Limits{})
		if len(res.Problems) > 0 {
			t.Fatalf("passed a document with problems: %v", res.Problems)
		}
	})
}

func tnefSeeds() [][]byte {
	inner := tnef.BuildMessage{Body: "SSN 489-36-8350", Attachments: []tnef.BuildAttachment{{Name: "i.txt", Data: []byte("4111 1111 1111 1111")}}}
	return [][]byte{
		tnef.Build(tnef.BuildMessage{Subject: "s", Body: "b", RTF: rtfSeeds()[0], HTML: []byte("<p>4111<b>1111</b>"),
			Attachments: []tnef.BuildAttachment{{Name: "a.txt", MediaType: "text/plain", Data: []byte("d")}, {Name: "m", Message: &inner}}}),
		tnef.Build(tnef.BuildMessage{CodePage: 932, LegacyBody: "\u30ab", RTF: rtfSeeds()[1], RTFStored: true,
			Attachments: []tnef.BuildAttachment{{Name: "z.zip", Data: []byte("PK\x05\x06" + strings.Repeat("\x00", 18))}}}),
	}
}

// FuzzWalkTNEF: a winmail.dat walked as a part stays within the message's
// budgets, and is kept for staff only when the reader read all of it and
// everything inside is clean.
func FuzzWalkTNEF(f *testing.F) {
	for _, s := range tnefSeeds() {
		f.Add(s)
	}
	recoverPanics = false
	lim := fuzzLimits()
	lim.Images = ImagesWithhold
	sc := New(lim)
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang must crash the worker, so the fuzzer keeps the input.
		watchdog := time.AfterFunc(20*time.Second, func() { panic("Scan hung past its time budget") })
		defer watchdog.Stop()
		raw := winmail(data)
		res, err := sc.Scan(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		c := containerPart(res)
		if c == nil || c.Withheld || !tnef.IsTNEF(data) {
			return // not TNEF: read by what it is
		}
		if len(res.Findings) > 0 || len(res.Unscannable) > 0 {
			t.Fatalf("winmail.dat kept with %s", summary(res))
		}
		m, err := tnef.Read(data, tnef.Limits{})
		if err == nil && len(m.AllProblems()) > 0 {
			t.Fatalf("winmail.dat kept with reader problems %v", m.AllProblems())
		}
	})
}

// TestWriteFuzzSeeds regenerates the committed seed corpus under
// testdata/fuzz when INTAKE_WRITE_FUZZ_SEEDS is set; the seeds are also
// added in code, the files let `go test` replay them without the fixtures'
// generators changing under them.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("INTAKE_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set INTAKE_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz seeds")
	}
	write := func(target string, i int, values ...string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := "go test fuzz v1\n" + strings.Join(values, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range officeSeeds(t) {
		write("FuzzExtractOffice", i, fmt.Sprintf("byte(%q)", rune(i)), fmt.Sprintf("[]byte(%q)", s))
	}
	for i, s := range rtfSeeds() {
		write("FuzzExtractRTF", i, fmt.Sprintf("[]byte(%q)", s))
	}
	for i, s := range tnefSeeds() {
		write("FuzzWalkTNEF", i, fmt.Sprintf("[]byte(%q)", s))
	}
}
