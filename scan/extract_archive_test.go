package scan

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"
)

// zipFile is one entry of a generated zip.
type zipFile struct {
	name      string
	data      []byte
	store     bool // no compression
	encrypted bool // set the encrypted flag (the data stays readable: we must not try)
	method    uint16
}

func makeZip(t testing.TB, files ...zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		if f.store {
			h.Method = zip.Store
		}
		if f.encrypted {
			h.Flags |= zipFlagEncrypted
		}
		if f.method != 0 {
			// An unknown method: write the bytes raw under its number.
			h.Method = f.method
			h.CompressedSize64 = uint64(len(f.data))
			h.UncompressedSize64 = uint64(len(f.data))
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(f.data)
			continue
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func limits(mod func(*Limits)) Limits {
	l := DefaultLimits()
	if mod != nil {
		mod(&l)
	}
	return l
}

func TestZipEntries(t *testing.T) {
	csv := []byte("name,card\nTest," + testCardDigits + "\n")
	bomb := bytes.Repeat([]byte{0}, 10<<20)
	corrupt := makeZip(t, zipFile{name: "a.txt", data: bytes.Repeat([]byte("card "+testCard+"\n"), 200)})
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
		lim     Limits
		reason  string // of the archive
		entries []want
	}{
		{name: "entries, directory skipped", zip: makeZip(t,
			zipFile{name: "dir/", data: nil},
			zipFile{name: "dir/cards.csv", data: csv},
			zipFile{name: "note.txt", data: []byte("SSN " + testSSN), store: true},
		), lim: DefaultLimits(), entries: []want{{"dir/cards.csv", "", testCardDigits}, {"note.txt", "", testSSN}}},
		{name: "encrypted entry spoils only itself", zip: makeZip(t,
			zipFile{name: "secret.txt", data: csv, encrypted: true},
			zipFile{name: "plain.txt", data: []byte("hello")},
		), lim: DefaultLimits(), entries: []want{{"secret.txt", ReasonEncrypted, ""}, {"plain.txt", "", "hello"}}},
		{name: "zip bomb", zip: makeZip(t, zipFile{name: "zeros.bin", data: bomb}, zipFile{name: "ok.txt", data: []byte("ok")}),
			lim: DefaultLimits(), entries: []want{{"zeros.bin", ReasonArchiveBomb, ""}, {"ok.txt", "", "ok"}}},
		{name: "past the decoded budget", zip: makeZip(t, zipFile{name: "big.txt", data: bytes.Repeat([]byte("abcdefghij"), 1<<16)}),
			lim: limits(func(l *Limits) { l.MaxDecodedBytes = 1 << 16 }), entries: []want{{"big.txt", ReasonTooLarge, ""}}},
		{name: "too many entries", zip: makeZip(t,
			zipFile{name: "1"}, zipFile{name: "2"}, zipFile{name: "3"}, zipFile{name: "4"},
		), lim: limits(func(l *Limits) { l.MaxArchiveFiles = 3 }), reason: ReasonTooManyParts},
		{name: "part budget runs out midway", zip: makeZip(t,
			zipFile{name: "1", data: []byte("one")}, zipFile{name: "2", data: []byte("two")},
		), lim: limits(func(l *Limits) { l.MaxParts = 1 }), reason: ReasonTooManyParts, entries: []want{{"1", "", "one"}}},
		{name: "unsupported method", zip: makeZip(t, zipFile{name: "x.bz2", data: []byte("BZh9"), method: 12}),
			lim: DefaultLimits(), entries: []want{{"x.bz2", ReasonUnsupported, ""}}},
		{name: "corrupt entry", zip: corrupt, lim: DefaultLimits(), entries: []want{{"a.txt", ReasonParseError, ""}}},
		{name: "truncated archive", zip: makeZip(t, zipFile{name: "a.txt", data: csv})[:40], lim: DefaultLimits(), reason: ReasonTruncated},
		{name: "not a zip", zip: []byte("PK\x03\x04 but nothing else of a zip"), lim: DefaultLimits(), reason: ReasonTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newAccount(context.Background(), tc.lim)
			entries, err := zipEntries(b, tc.zip)
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

func reasonOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return reasonOf(err)
}

func gz(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGzipEntry(t *testing.T) {
	text := []byte("card " + testCard + "\n")
	twoMembers := append(gz(t, "", []byte("card 4111 1111 ")), gz(t, "", []byte("1111 1111\n"))...)
	full := gz(t, "", text)
	cases := []struct {
		name     string
		file     string
		data     []byte
		lim      Limits
		wantName string
		wantText string
		reason   string
	}{
		{name: "name from header", file: "upload.gz", data: gz(t, "cards.csv", text), lim: DefaultLimits(), wantName: "cards.csv", wantText: testCard},
		{name: "name from file", file: "cards.csv.gz", data: gz(t, "", text), lim: DefaultLimits(), wantName: "cards.csv", wantText: testCard},
		{name: "tgz becomes tar", file: "backup.tgz", data: gz(t, "", text), lim: DefaultLimits(), wantName: "backup.tar", wantText: testCard},
		{name: "header path is cut to its base", file: "x.gz", data: gz(t, "../../etc/cards.txt", text), lim: DefaultLimits(), wantName: "cards.txt", wantText: testCard},
		{name: "two members", file: "m.gz", data: twoMembers, lim: DefaultLimits(), wantName: "m", wantText: testCard},
		{name: "zero padding after the member", file: "p.gz", data: append(append([]byte(nil), full...), make([]byte, 512)...), lim: DefaultLimits(), wantName: "p", wantText: testCard},
		{name: "garbage after the member", file: "g.gz", data: append(append([]byte(nil), full...), "junk"...), lim: DefaultLimits(), wantName: "g", reason: ReasonParseError},
		{name: "truncated", file: "t.gz", data: full[:len(full)-6], lim: DefaultLimits(), wantName: "t", reason: ReasonTruncated},
		{name: "bad header", file: "b.gz", data: []byte{0x1f, 0x8b, 8, 0xff}, lim: DefaultLimits(), wantName: "b", reason: ReasonTruncated},
		{name: "bomb", file: "z.gz", data: gz(t, "", make([]byte, 10<<20)), lim: DefaultLimits(), wantName: "z", reason: ReasonArchiveBomb},
		{name: "past the budget", file: "z.gz", data: gz(t, "", bytes.Repeat(text, 1000)), lim: limits(func(l *Limits) { l.MaxDecodedBytes = 1000 }), wantName: "z", reason: ReasonTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newAccount(context.Background(), tc.lim)
			e, err := gzipEntry(b, tc.file, tc.data)
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
