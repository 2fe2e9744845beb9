package archive

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/intake-mail/intake/scan/internal/budget"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// fuzzLimits are small, so crossing a budget is a path the fuzzer reaches.
func fuzzLimits() budget.Limits {
	return budget.Limits{
		MaxDecodedBytes: 4 << 20,
		MaxParts:        64,
		MaxArchiveRatio: 100,
		MaxArchiveFiles: 64,
		MaxTime:         5 * time.Second,
	}
}

// checkBudget asserts a reader stayed within the decoded-bytes budget.
func checkBudget(t *testing.T, b *budget.Budget, extra int) {
	t.Helper()
	if b.Decoded() > b.Limits().MaxDecodedBytes+int64(extra) {
		t.Fatalf("decoded %d bytes, budget %d", b.Decoded(), b.Limits().MaxDecodedBytes)
	}
}

func FuzzExtractZip(f *testing.F) {
	f.Add(testdoc.Zip(f, testdoc.ZipFile{Name: "a.csv", Data: []byte("card," + testCardDigits)}, testdoc.ZipFile{Name: "d/"}))
	f.Add(testdoc.Zip(f, testdoc.ZipFile{Name: "s.txt", Data: []byte("x"), Encrypted: true}, testdoc.ZipFile{Name: "b", Data: []byte("y"), Store: true}))
	f.Add(testdoc.Gzip(f, "a.txt", []byte("SSN "+testSSN)))
	f.Add(append(testdoc.Gzip(f, "", []byte("a")), testdoc.Gzip(f, "", []byte("b"))...))
	f.Fuzz(func(t *testing.T, data []byte) {
		// One target for both containers: the fuzzer crosses from one
		// magic number to the other on its own.
		b := budget.New(context.Background(), fuzzLimits())
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			e, _ := Gzip(b, "x.gz", data)
			checkBudget(t, b, 0)
			if int64(len(e.Data)) > b.Limits().MaxDecodedBytes {
				t.Fatalf("gzip entry of %d bytes past the budget", len(e.Data))
			}
			return
		}
		entries, err := Zip(b, data)
		checkBudget(t, b, 0)
		if len(entries) > b.Limits().MaxArchiveFiles {
			t.Fatalf("%d entries, limit %d (err %v)", len(entries), b.Limits().MaxArchiveFiles, err)
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
	dir := filepath.Join("testdata", "fuzz", "FuzzExtractZip")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	zips := [][]byte{
		testdoc.Zip(t, testdoc.ZipFile{Name: "bomb", Data: make([]byte, 1<<20)}),
		testdoc.Zip(t, testdoc.ZipFile{Name: "1"}, testdoc.ZipFile{Name: "2"}),
		testdoc.Gzip(t, "z", make([]byte, 1<<20)),
	}
	for i, s := range zips {
		body := "go test fuzz v1\n" + fmt.Sprintf("[]byte(%q)", s) + "\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
