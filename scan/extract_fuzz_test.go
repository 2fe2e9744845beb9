package scan

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

func pdfSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		makeFPDF(t, fpdfOptions{compress: true, lines: []string{"Card " + testCard, "SSN " + testSSN}}),
		makeFPDF(t, fpdfOptions{compress: false, splitCells: []string{"4111 1111", "1111 1111"}}),
		makeFPDF(t, fpdfOptions{compress: true, protect: true, lines: []string{"Card " + testCard}}),
		makeFPDF(t, fpdfOptions{compress: true, image: true}),
		onePage("BT /F1 12 Tf 72 700 Td <0014001200120012 0003 0012> Tj ET", type0Font,
			pdfObject{body: "<< /Length >>", stream: toUnicodeCMap}),
		onePage("BT /F1 12 Tf /Span << /ActualText (x) >> BDC [(41) -300 (11)] TJ EMC ET BI /W 1 /H 1 ID \x00 EI", helvetica),
		[]byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj trailer << /Root 1 0 R >> %%EOF"),
	}
	return seeds
}

func FuzzExtractPDF(f *testing.F) {
	for _, s := range pdfSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rethrowExtractPanics = true
		b := newAccount(context.Background(), fuzzLimits())
		text, err := pdfText(b, data)
		if err == nil && text == "" && len(b.images) == 0 {
			t.Fatal("no error, no text and no image: an empty PDF must be no_text")
		}
		checkBudget(t, b, len(text))
	})
}

func officeSeeds(t testing.TB) [][]byte {
	return [][]byte{
		makeZip(t, contentTypes(), zipFile{name: "word/document.xml", data: wordDoc(`<w:p><w:r><w:t>4111 11</w:t></w:r><w:r><w:t>11</w:t><w:tab/><w:br/></w:r></w:p>`)}),
		makeZip(t, contentTypes(),
			zipFile{name: "xl/sharedStrings.xml", data: []byte(`<sst><si><t>a</t></si></sst>`)},
			zipFile{name: "xl/worksheets/sheet1.xml", data: []byte(`<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>1</v></c></row></sheetData></worksheet>`)}),
		makeZip(t, zipFile{name: "mimetype", data: []byte("application/vnd.oasis.opendocument.text"), store: true},
			zipFile{name: "content.xml", data: []byte(`<o:d xmlns:o="o" xmlns:text="t"><text:p>a<text:s/>b</text:p></o:d>`)}),
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

func FuzzExtractZip(f *testing.F) {
	f.Add(makeZip(f, zipFile{name: "a.csv", data: []byte("card," + testCardDigits)}, zipFile{name: "d/"}))
	f.Add(makeZip(f, zipFile{name: "s.txt", data: []byte("x"), encrypted: true}, zipFile{name: "b", data: []byte("y"), store: true}))
	f.Add(gz(f, "a.txt", []byte("SSN "+testSSN)))
	f.Add(append(gz(f, "", []byte("a")), gz(f, "", []byte("b"))...))
	f.Fuzz(func(t *testing.T, data []byte) {
		// One target for both containers: the fuzzer crosses from one
		// magic number to the other on its own.
		b := newAccount(context.Background(), fuzzLimits())
		if bytes.HasPrefix(data, magicGzip) {
			e, _ := gzipEntry(b, "x.gz", data)
			checkBudget(t, b, 0)
			if int64(len(e.Data)) > b.lim.MaxDecodedBytes {
				t.Fatalf("gzip entry of %d bytes past the budget", len(e.Data))
			}
			return
		}
		entries, err := zipEntries(b, data)
		checkBudget(t, b, 0)
		if len(entries) > b.lim.MaxArchiveFiles {
			t.Fatalf("%d entries, limit %d (err %v)", len(entries), b.lim.MaxArchiveFiles, err)
		}
		for _, e := range entries {
			if e.Err != nil && e.Data != nil {
				t.Fatalf("entry with an error carries %d bytes", len(e.Data))
			}
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
	for i, s := range pdfSeeds(t) {
		write("FuzzExtractPDF", i, fmt.Sprintf("[]byte(%q)", s))
	}
	for i, s := range officeSeeds(t) {
		write("FuzzExtractOffice", i, fmt.Sprintf("byte(%q)", rune(i)), fmt.Sprintf("[]byte(%q)", s))
	}
	zips := [][]byte{
		makeZip(t, zipFile{name: "bomb", data: make([]byte, 1<<20)}),
		makeZip(t, zipFile{name: "1"}, zipFile{name: "2"}),
		gz(t, "z", make([]byte, 1<<20)),
	}
	for i, s := range zips {
		write("FuzzExtractZip", i, fmt.Sprintf("[]byte(%q)", s))
	}
}
