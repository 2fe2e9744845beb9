// Package archive reads zip and gzip attachments for the scanner's walk,
// within the message's budget (internal/budget): every entry's decoded
// bytes are charged as they are read, an entry may expand at most
// Limits.MaxArchiveRatio times its stored size (plus budget.ArchiveSlack),
// an archive holds at most Limits.MaxArchiveFiles entries, and each entry
// counts as a part. Entries come back as bytes: the walk classifies them
// and recurses, so nesting depth is counted in one place. An encrypted,
// corrupt or unsupported entry carries its own error and spoils only
// itself. The Office reader opens its packages with Open and ReadFile.
package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// Entry is one file out of a zip or gzip; Err set means this entry alone is
// unscannable (an encrypted entry does not spoil its neighbours).
type Entry struct {
	Name string
	Data []byte
	Err  error
}

// FlagEncrypted is bit 0 of a zip entry's general purpose flags
// (APPNOTE 4.4.4): the entry is encrypted, traditional or AES.
const FlagEncrypted = 0x1

// Zip expands a zip archive within the budget. Entries are returned
// as bytes for the walk to classify and recurse into; nested archives are
// not opened here, so depth is counted in one place. An entry that cannot be
// read carries its own Err and does not spoil its neighbours. When a budget
// shared with the whole message runs out (parts, time), the entries read so
// far are returned with the error, so they can still be scanned while the
// archive as a whole is reported.
func Zip(b *budget.Budget, data []byte) ([]Entry, error) {
	zr, err := Open(data)
	if err != nil {
		return nil, OpenError(err)
	}
	if max := b.Limits().MaxArchiveFiles; max > 0 && len(zr.File) > max {
		return nil, budget.Unscannable(budget.ReasonTooManyParts, fmt.Sprintf("zip holds %d entries, limit %d", len(zr.File), max))
	}
	var entries []Entry
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if err := b.Check(); err != nil {
			return entries, err
		}
		if err := b.Part(); err != nil {
			return entries, err
		}
		e := Entry{Name: f.Name}
		e.Data, e.Err = ReadFile(b, f, int64(len(data)))
		entries = append(entries, e)
	}
	return entries, nil
}

// Open reads a zip's central directory. An entry name that climbs out
// of its directory ("../x") is no reason to refuse: names are only labels
// here, nothing is written to disk.
func Open(data []byte) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if errors.Is(err, zip.ErrInsecurePath) && zr != nil {
		return zr, nil
	}
	return zr, err
}

// OpenError names why archive/zip refused an archive.
func OpenError(err error) error {
	if errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
		// No end of central directory: most often a truncated archive.
		return budget.Unscannable(budget.ReasonTruncated, "zip: no central directory")
	}
	if errors.Is(err, zip.ErrInsecurePath) {
		return budget.Unscannable(budget.ReasonParseError, "zip: insecure entry path")
	}
	return budget.Unscannable(budget.ReasonParseError, "zip: unreadable")
}

// ReadFile reads one entry, charging its bytes to the budget. Declared
// sizes are never trusted: the reader is cut at whichever comes first of the
// budget and the ratio to the bytes actually stored, and the cut is noticed
// while reading, before memory is spent on a bomb.
func ReadFile(b *budget.Budget, f *zip.File, archiveLen int64) ([]byte, error) {
	if f.Flags&FlagEncrypted != 0 {
		return nil, budget.Unscannable(budget.ReasonEncrypted, "zip entry is encrypted")
	}
	stored := min(int64(f.CompressedSize64), archiveLen)
	rc, err := f.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return nil, budget.Unscannable(budget.ReasonUnsupported, fmt.Sprintf("zip compression method %d", f.Method))
		}
		return nil, budget.Unscannable(budget.ReasonParseError, "zip entry: unreadable header")
	}
	defer rc.Close()
	data, err := readCapped(b, rc, b.RatioLimit(stored), int64(f.UncompressedSize64))
	if err != nil {
		return nil, err
	}
	return data, nil
}

// readCapped reads a decompressing reader to its end within the budget and
// ratioCap (see budget.RatioLimit), and charges what it read. sizeHint (a declared
// size, never trusted) only presizes the buffer.
func readCapped(b *budget.Budget, r io.Reader, ratioCap, sizeHint int64) ([]byte, error) {
	remaining := b.Remaining()
	ratioCap = max(ratioCap, 0)
	limit := min(remaining, ratioCap)
	var buf bytes.Buffer
	if sizeHint > 0 {
		buf.Grow(int(min(sizeHint, limit, 64<<20)))
	}
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if n > limit {
		if limit == ratioCap && ratioCap < remaining {
			return nil, budget.Unscannable(budget.ReasonArchiveBomb, fmt.Sprintf("expands more than %d times", b.Limits().MaxArchiveRatio))
		}
		return nil, budget.Unscannable(budget.ReasonTooLarge, fmt.Sprintf("more than %d decoded bytes", b.Limits().MaxDecodedBytes))
	}
	if err != nil {
		return nil, decompressError(err)
	}
	if err := b.Take(n); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decompressError maps a decompressor's complaint to a reason.
func decompressError(err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return budget.Unscannable(budget.ReasonTruncated, "compressed data ends early")
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, gzip.ErrChecksum):
		return budget.Unscannable(budget.ReasonParseError, "checksum mismatch")
	case errors.As(err, &corrupt):
		return budget.Unscannable(budget.ReasonParseError, "corrupt compressed data")
	case errors.Is(err, gzip.ErrHeader):
		return budget.Unscannable(budget.ReasonParseError, "bad gzip header")
	}
	return budget.Unscannable(budget.ReasonParseError, "unreadable compressed data")
}

// Gzip expands a gzip stream within the budget. The name is the one in
// the gzip header, else the part's name without .gz (.tgz becomes .tar). A
// file of several gzip members (RFC 1952 2.2) is read whole; zero padding
// after the last member is accepted, anything else after it is not.
func Gzip(b *budget.Budget, name string, data []byte) (Entry, error) {
	e := Entry{Name: gzipInnerName(name)}
	if err := b.Part(); err != nil {
		return e, err
	}
	br := bytes.NewReader(data)
	zr, err := gzip.NewReader(br)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return e, budget.Unscannable(budget.ReasonTruncated, "gzip header ends early")
		}
		return e, budget.Unscannable(budget.ReasonParseError, "bad gzip header")
	}
	if zr.Name != "" {
		e.Name = path.Base(strings.ReplaceAll(zr.Name, "\\", "/"))
	}
	zr.Multistream(false)
	var out []byte
	for {
		if err := b.Check(); err != nil {
			return e, err
		}
		member, err := readCapped(b, zr, b.RatioLimit(int64(len(data)))-int64(len(out)), 0)
		if err != nil {
			return e, err
		}
		out = append(out, member...)
		if br.Len() == 0 || allZeroBytes(data[len(data)-br.Len():]) {
			break
		}
		if err := zr.Reset(br); err != nil {
			return e, budget.Unscannable(budget.ReasonParseError, "garbage after gzip member")
		}
		zr.Multistream(false)
	}
	e.Data = out
	return e, nil
}

func gzipInnerName(name string) string {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	lower := strings.ToLower(base)
	switch {
	case base == "." || base == "/":
		return ""
	case strings.HasSuffix(lower, ".tgz"):
		return base[:len(base)-len(".tgz")] + ".tar"
	case strings.HasSuffix(lower, ".gz"):
		return base[:len(base)-len(".gz")]
	case strings.HasSuffix(lower, ".gzip"):
		return base[:len(base)-len(".gzip")]
	}
	return base
}

func allZeroBytes(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
