package archive

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/budget"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

const (
	testCard       = testdoc.Card
	testCardDigits = testdoc.CardDigits
	testSSN        = testdoc.SSN
)

var (
	last4         = testdoc.Last4
	reasonOrEmpty = testdoc.ReasonOrEmpty
)

// limits are the default limits changed by mod.
func limits(mod func(*budget.Limits)) budget.Limits {
	l := testdoc.Limits()
	if mod != nil {
		mod(&l)
	}
	return l
}

func TestZipEntries(t *testing.T) {
	csv := []byte("name,card\nTest," + testCardDigits + "\n")
	bomb := bytes.Repeat([]byte{0}, 10<<20)
	corrupt := testdoc.Zip(t, testdoc.ZipFile{Name: "a.txt", Data: bytes.Repeat([]byte("card "+testCard+"\n"), 200)})
	// Damage the compressed bytes of the only entry (after its 30+5 byte
	// local header), leaving the directory intact.
	for i := 40; i < 60; i++ {
		corrupt[i] ^= 0x5a
	}

	type want struct {
		name   string
		reason string // of the entry; "" readable
		has    string
	}
	cases := []struct {
		name    string
		zip     []byte
		lim     budget.Limits
		reason  string // of the archive
		entries []want
	}{
		{name: "entries, directory skipped", zip: testdoc.Zip(t,
			testdoc.ZipFile{Name: "dir/", Data: nil},
			testdoc.ZipFile{Name: "dir/cards.csv", Data: csv},
			testdoc.ZipFile{Name: "note.txt", Data: []byte("SSN " + testSSN), Store: true},
		), lim: testdoc.Limits(), entries: []want{{"dir/cards.csv", "", testCardDigits}, {"note.txt", "", testSSN}}},
		{name: "encrypted entry spoils only itself", zip: testdoc.Zip(t,
			testdoc.ZipFile{Name: "secret.txt", Data: csv, Encrypted: true},
			testdoc.ZipFile{Name: "plain.txt", Data: []byte("hello")},
		), lim: testdoc.Limits(), entries: []want{{"secret.txt", budget.ReasonEncrypted, ""}, {"plain.txt", "", "hello"}}},
		{name: "zip bomb", zip: testdoc.Zip(t, testdoc.ZipFile{Name: "zeros.bin", Data: bomb}, testdoc.ZipFile{Name: "ok.txt", Data: []byte("ok")}),
			lim: testdoc.Limits(), entries: []want{{"zeros.bin", budget.ReasonArchiveBomb, ""}, {"ok.txt", "", "ok"}}},
		{name: "past the decoded budget", zip: testdoc.Zip(t, testdoc.ZipFile{Name: "big.txt", Data: bytes.Repeat([]byte("abcdefghij"), 1<<16)}),
			lim: limits(func(l *budget.Limits) { l.MaxDecodedBytes = 1 << 16 }), entries: []want{{"big.txt", budget.ReasonTooLarge, ""}}},
		{name: "too many entries", zip: testdoc.Zip(t,
			testdoc.ZipFile{Name: "1"}, testdoc.ZipFile{Name: "2"}, testdoc.ZipFile{Name: "3"}, testdoc.ZipFile{Name: "4"},
		), lim: limits(func(l *budget.Limits) { l.MaxArchiveFiles = 3 }), reason: budget.ReasonTooManyParts},
		{name: "part budget runs out midway", zip: testdoc.Zip(t,
			testdoc.ZipFile{Name: "1", Data: []byte("one")}, testdoc.ZipFile{Name: "2", Data: []byte("two")},
		), lim: limits(func(l *budget.Limits) { l.MaxParts = 1 }), reason: budget.ReasonTooManyParts, entries: []want{{"1", "", "one"}}},
		{name: "unsupported method", zip: testdoc.Zip(t, testdoc.ZipFile{Name: "x.bz2", Data: []byte("BZh9"), Method: 12}),
			lim: testdoc.Limits(), entries: []want{{"x.bz2", budget.ReasonUnsupported, ""}}},
		{name: "corrupt entry", zip: corrupt, lim: testdoc.Limits(), entries: []want{{"a.txt", budget.ReasonParseError, ""}}},
		{name: "truncated archive", zip: testdoc.Zip(t, testdoc.ZipFile{Name: "a.txt", Data: csv})[:40], lim: testdoc.Limits(), reason: budget.ReasonTruncated},
		{name: "not a zip", zip: []byte("PK\x03\x04 but nothing else of a zip"), lim: testdoc.Limits(), reason: budget.ReasonTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := budget.New(context.Background(), tc.lim)
			entries, err := Zip(b, tc.zip)
			if got := reasonOrEmpty(err); got != tc.reason {
				t.Fatalf("archive reason %q (%v), want %q", got, err, tc.reason)
			}
			if len(entries) != len(tc.entries) {
				t.Fatalf("%d entries, want %d", len(entries), len(tc.entries))
			}
			for i, w := range tc.entries {
				e := entries[i]
				if e.Name != w.name {
					t.Errorf("entry %d named %q, want %q", i, e.Name, w.name)
				}
				if got := reasonOrEmpty(e.Err); got != w.reason {
					t.Errorf("entry %q reason %q (%v), want %q", e.Name, got, e.Err, w.reason)
				}
				if !bytes.Contains(e.Data, []byte(w.has)) {
					t.Errorf("entry %q (%d bytes) lacks its planted value ending %q", e.Name, len(e.Data), last4(w.has))
				}
			}
			if tc.lim.MaxDecodedBytes > 0 && b.Decoded() > tc.lim.MaxDecodedBytes {
				t.Errorf("decoded %d bytes, budget %d", b.Decoded(), tc.lim.MaxDecodedBytes)
			}
		})
	}
}

func TestGzipEntry(t *testing.T) {
	text := []byte("card " + testCard + "\n")
	twoMembers := append(testdoc.Gzip(t, "", []byte("card 4111 1111 ")), testdoc.Gzip(t, "", []byte("1111 1111\n"))...)
	full := testdoc.Gzip(t, "", text)
	cases := []struct {
		name     string
		file     string
		data     []byte
		lim      budget.Limits
		wantName string
		wantText string
		reason   string
	}{
		{name: "name from header", file: "upload.gz", data: testdoc.Gzip(t, "cards.csv", text), lim: testdoc.Limits(), wantName: "cards.csv", wantText: testCard},
		{name: "name from file", file: "cards.csv.gz", data: testdoc.Gzip(t, "", text), lim: testdoc.Limits(), wantName: "cards.csv", wantText: testCard},
		{name: "tgz becomes tar", file: "backup.tgz", data: testdoc.Gzip(t, "", text), lim: testdoc.Limits(), wantName: "backup.tar", wantText: testCard},
		{name: "header path is cut to its base", file: "x.gz", data: testdoc.Gzip(t, "../../etc/cards.txt", text), lim: testdoc.Limits(), wantName: "cards.txt", wantText: testCard},
		{name: "two members", file: "m.gz", data: twoMembers, lim: testdoc.Limits(), wantName: "m", wantText: testCard},
		{name: "zero padding after the member", file: "p.gz", data: append(append([]byte(nil), full...), make([]byte, 512)...), lim: testdoc.Limits(), wantName: "p", wantText: testCard},
		{name: "garbage after the member", file: "g.gz", data: append(append([]byte(nil), full...), "junk"...), lim: testdoc.Limits(), wantName: "g", reason: budget.ReasonParseError},
		{name: "truncated", file: "t.gz", data: full[:len(full)-6], lim: testdoc.Limits(), wantName: "t", reason: budget.ReasonTruncated},
		{name: "bad header", file: "b.gz", data: []byte{0x1f, 0x8b, 8, 0xff}, lim: testdoc.Limits(), wantName: "b", reason: budget.ReasonTruncated},
		{name: "bomb", file: "z.gz", data: testdoc.Gzip(t, "", make([]byte, 10<<20)), lim: testdoc.Limits(), wantName: "z", reason: budget.ReasonArchiveBomb},
		{name: "past the budget", file: "z.gz", data: testdoc.Gzip(t, "", bytes.Repeat(text, 1000)), lim: limits(func(l *budget.Limits) { l.MaxDecodedBytes = 1000 }), wantName: "z", reason: budget.ReasonTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := budget.New(context.Background(), tc.lim)
			e, err := Gzip(b, tc.file, tc.data)
			if got := reasonOrEmpty(err); got != tc.reason {
				t.Fatalf("reason %q (%v), want %q", got, err, tc.reason)
			}
			if e.Name != tc.wantName {
				t.Errorf("name %q, want %q", e.Name, tc.wantName)
			}
			if !strings.Contains(string(e.Data), tc.wantText) {
				t.Errorf("data (%d bytes) lacks its planted value ending %q", len(e.Data), last4(tc.wantText))
			}
		})
	}
}
