package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/scan/internal/testdoc"
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
}
