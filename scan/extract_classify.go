package scan

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/intake-mail/intake/scan/internal/archive"
	"github.com/intake-mail/intake/scan/internal/rtf"
	"github.com/intake-mail/intake/scan/internal/tnef"
)

// classify decides the format of a part. The bytes are looked at first:
// a sender (or an attacker) labels a zip "text/plain" or a PDF
// "application/octet-stream" as easily as the other way round, and a label
// that hides a container must not hide what is inside it. The declared type
// and file name only decide between formats the bytes cannot tell apart
// (HTML, calendar, a nested message, plain text).
func classify(contentType, filename string, data []byte) format {
	mediaType := declaredType(contentType)
	ext := strings.ToLower(path.Ext(strings.TrimSpace(filename)))

	if f, ok := sniff(data, mediaType, ext); ok {
		return f
	}

	switch {
	case mediaType == "text/html" || mediaType == "application/xhtml+xml" ||
		ext == ".html" || ext == ".htm" || ext == ".xhtml":
		return formatHTML
	case calendarTypes[mediaType] || ext == ".ics" || ext == ".ifb" || ext == ".vcf" || ext == ".vcard":
		return formatCalendar
	case mediaType == "message/rfc822" || mediaType == "message/global" || ext == ".eml":
		return formatMessage
	case mediaType == "application/pdf" || ext == ".pdf":
		if looksLikeText(data) {
			return formatText // mislabelled text: scanning it is what matters
		}
		return formatPDF // pdfText reports the missing header as parse_error
	case isTextType(mediaType) || textExtensions[ext]:
		return formatText
	}
	if looksLikeText(data) {
		// application/octet-stream, an unknown type, or a binary label on
		// text: scanning too much costs a little time, scanning too little
		// could cost a leak.
		return formatText
	}
	if strings.HasPrefix(mediaType, "image/") || imageExtensions[ext] {
		return formatImage
	}
	return formatUnknown
}

// declaredType is the lower-case media type without parameters.
func declaredType(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

var calendarTypes = map[string]bool{
	"text/calendar":    true,
	"text/vcard":       true,
	"text/x-vcard":     true,
	"text/directory":   true,
	"text/x-vcalendar": true,
	"application/ics":  true,
}

var textExtensions = map[string]bool{
	".txt": true, ".text": true, ".csv": true, ".tsv": true, ".json": true, ".xml": true,
	".yaml": true, ".yml": true, ".md": true, ".log": true, ".js": true, ".ini": true,
	".conf": true, ".cfg": true, ".sql": true, ".rtf": true, ".svg": true, ".tex": true,
	".asc": true, ".toml": true, ".properties": true, ".ldif": true,
}

var imageExtensions = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true, ".tif": true,
	".tiff": true, ".webp": true, ".heic": true, ".heif": true, ".avif": true,
}

// isTextType reports media types whose content is text a person could have
// typed a number into.
func isTextType(t string) bool {
	if strings.HasPrefix(t, "text/") {
		return true
	}
	if strings.HasSuffix(t, "+xml") || strings.HasSuffix(t, "+json") {
		return true
	}
	switch t {
	case "application/json", "application/xml", "application/x-yaml", "application/yaml",
		"application/javascript", "application/x-javascript", "application/ecmascript",
		"application/csv", "application/x-csv", "application/rtf", "application/x-rtf",
		"application/sql", "application/x-sh", "application/x-tex", "application/toml",
		"application/x-www-form-urlencoded", "application/pgp-signature", "application/pgp-keys",
		"message/delivery-status", "message/disposition-notification", "message/global-headers",
		"message/global-delivery-status", "message/rfc822-headers", "message/feedback-report":
		return true
	}
	return false
}

// Magic numbers. A prefix this specific does not occur in text by chance.
var (
	magicPDF     = []byte("%PDF-")
	magicZip     = []byte("PK\x03\x04")
	magicZipNone = []byte("PK\x05\x06") // an empty zip: only the end record
	magicGzip    = []byte{0x1f, 0x8b}
	magicOLE     = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}
	magicPNG     = []byte("\x89PNG\r\n\x1a\n")
	magicJPEG    = []byte{0xff, 0xd8, 0xff}
	magicGIF87   = []byte("GIF87a")
	magicGIF89   = []byte("GIF89a")
	magicTIFFle  = []byte("II*\x00")
	magicTIFFbe  = []byte("MM\x00*")
	magicRAR     = []byte("Rar!\x1a\x07")
	magic7z      = []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}
	magicXZ      = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicBzip2   = []byte("BZh")
	magicZstd    = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicCAB     = []byte("MSCF\x00\x00\x00\x00")

	// Names of the streams an encrypted OOXML package keeps in its OLE
	// container (MS-OFFCRYPTO 2.3.4), as UTF-16LE directory entry names.
	oleEncryptionInfo = asciiUTF16LE("EncryptionInfo")
	oleEncryptedPkg   = asciiUTF16LE("EncryptedPackage")
)

// sniff recognises a format from the bytes alone; ok is false when the bytes
// do not say.
func sniff(data []byte, mediaType, ext string) (format, bool) {
	switch {
	case bytes.HasPrefix(data, magicPDF):
		return formatPDF, true
	case bytes.HasPrefix(data, magicZip), bytes.HasPrefix(data, magicZipNone):
		return zipFormat(data), true
	case bytes.HasPrefix(data, magicGzip) && len(data) >= 10 && data[2] == 8:
		return formatGzip, true
	case bytes.HasPrefix(data, magicOLE):
		if bytes.Contains(data, oleEncryptionInfo) || bytes.Contains(data, oleEncryptedPkg) {
			return formatEncryptedOffice, true
		}
		return formatUnsupported, true // legacy .doc, .xls, .ppt, .msg
	case sniffImage(data):
		return formatImage, true
	case tnef.IsTNEF(data):
		return formatTNEF, true
	case rtf.IsRTF(data):
		// Whatever the label: read as plain text, Word's run groups hide
		// a number from the detector.
		return formatRTF, true
	case bytes.HasPrefix(data, magicRAR), bytes.HasPrefix(data, magic7z),
		bytes.HasPrefix(data, magicXZ), bytes.HasPrefix(data, magicZstd),
		bytes.HasPrefix(data, magicCAB), sniffTar(data),
		bytes.HasPrefix(data, magicBzip2) && len(data) > 10 && data[3] >= '1' && data[3] <= '9' && bytes.HasPrefix(data[4:], []byte("1AY&SY")):
		return formatUnsupported, true
	}
	// Acrobat accepts a PDF header anywhere in the first KiB; so do we, but
	// only when the sender says it is a PDF, since text may quote "%PDF-".
	if (mediaType == "application/pdf" || ext == ".pdf") &&
		bytes.Contains(data[:min(len(data), 1024)], magicPDF) {
		return formatPDF, true
	}
	return 0, false
}

// zipFormat looks inside a zip's central directory for the marks of an
// Office Open XML or OpenDocument package.
func zipFormat(data []byte) format {
	zr, err := archive.Open(data)
	if err != nil {
		return formatZip // archive.Zip reports why it cannot be read
	}
	var contentTypes, word, xl, ppt bool
	for _, f := range zr.File {
		name := f.Name
		switch {
		case name == "[Content_Types].xml":
			contentTypes = true
		case strings.HasPrefix(name, "word/"):
			word = true
		case strings.HasPrefix(name, "xl/"):
			xl = true
		case strings.HasPrefix(name, "ppt/"):
			ppt = true
		case name == "mimetype":
			if isODFMimetype(f) {
				return formatODF
			}
		}
	}
	switch {
	case contentTypes && word:
		return formatDOCX
	case contentTypes && xl:
		return formatXLSX
	case contentTypes && ppt:
		return formatPPTX
	}
	return formatZip
}

// isODFMimetype reads the small "mimetype" entry an OpenDocument package
// starts with.
func isODFMimetype(f *zip.File) bool {
	if f.Flags&archive.FlagEncrypted != 0 {
		return false
	}
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	head, _ := io.ReadAll(io.LimitReader(rc, 128))
	return bytes.HasPrefix(bytes.TrimSpace(head), []byte("application/vnd.oasis.opendocument."))
}

func sniffImage(data []byte) bool {
	switch {
	case bytes.HasPrefix(data, magicPNG), bytes.HasPrefix(data, magicJPEG),
		bytes.HasPrefix(data, magicGIF87), bytes.HasPrefix(data, magicGIF89),
		bytes.HasPrefix(data, magicTIFFle), bytes.HasPrefix(data, magicTIFFbe):
		return true
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return true
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		switch string(data[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif", "avis":
			return true
		}
	case len(data) >= 18 && data[0] == 'B' && data[1] == 'M':
		// BMP: "BM" alone is too weak for text; the DIB header size must be
		// one of the known ones.
		switch uint32(data[14]) | uint32(data[15])<<8 | uint32(data[16])<<16 | uint32(data[17])<<24 {
		case 12, 40, 52, 56, 64, 108, 124:
			return true
		}
	}
	return false
}

// isTar recognises a POSIX or GNU tar header ("ustar" at offset 257).
func sniffTar(data []byte) bool {
	return len(data) >= 262 && string(data[257:262]) == "ustar"
}

// textSniffLen is how much of a part looksLikeText reads; enough to see
// through a header, short enough to be free.
const textSniffLen = 8 << 10

// looksLikeText reports whether bytes with no trustworthy label read as
// text: UTF-8, UTF-16 (with a BOM or the pattern of NULs its ASCII leaves),
// or mostly printable 8-bit text in some legacy charset.
func looksLikeText(data []byte) bool {
	if len(data) == 0 {
		return true
	}
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) ||
		bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}) {
		return true
	}
	sample := data[:min(len(data), textSniffLen)]
	if bytes.IndexByte(sample, 0) >= 0 {
		return looksLikeUTF16(sample)
	}
	var control, high int
	for _, c := range sample {
		switch {
		case c == '\t', c == '\n', c == '\r', c == '\f', c == '\v', c == 0x1b: // ESC: ISO-2022-JP
		case c < 0x20, c == 0x7f:
			control++
		case c >= 0x80:
			high++
		}
	}
	if control*100 > len(sample) { // more than 1% control bytes: binary
		return false
	}
	if high == 0 || validUTF8Prefix(sample, len(sample) < len(data)) {
		return true
	}
	// Legacy 8-bit text (Latin-1, Windows-125x, KOI8...) has letters above
	// 0x80 but rarely more of them than ASCII; compressed data has them half
	// the time and has control bytes too.
	return high*100 <= len(sample)*30 && control == 0
}

// validUTF8Prefix is utf8.Valid, forgiving a rune cut at the end of a sample.
func validUTF8Prefix(b []byte, cut bool) bool {
	if cut {
		for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
			if utf8.Valid(b) {
				return true
			}
			b = b[:len(b)-1]
		}
	}
	return utf8.Valid(b)
}

// looksLikeUTF16 recognises UTF-16 without a BOM: mostly ASCII text leaves
// a NUL in every other byte, all on the same side.
func looksLikeUTF16(sample []byte) bool {
	n := len(sample) &^ 1
	if n < 4 {
		return false
	}
	var evenNUL, oddNUL, other int
	for i := 0; i < n; i += 2 {
		hi, lo := sample[i], sample[i+1]
		switch {
		case hi == 0 && lo != 0:
			evenNUL++
		case lo == 0 && hi != 0:
			oddNUL++
		case hi == 0 && lo == 0:
			other++
		}
	}
	pairs := n / 2
	return (evenNUL*10 >= pairs*4 || oddNUL*10 >= pairs*4) && other*10 < pairs && (evenNUL == 0 || oddNUL == 0 || evenNUL > 8*oddNUL || oddNUL > 8*evenNUL)
}

func asciiUTF16LE(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}
