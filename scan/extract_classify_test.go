package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

func TestClassify(t *testing.T) {
	docx := testdoc.Zip(t, contentTypes(), testdoc.ZipFile{Name: "word/document.xml", Data: wordDoc("")})
	xlsx := testdoc.Zip(t, contentTypes(), testdoc.ZipFile{Name: "xl/workbook.xml", Data: []byte("<workbook/>")})
	pptx := testdoc.Zip(t, contentTypes(), testdoc.ZipFile{Name: "ppt/presentation.xml", Data: []byte("<p/>")})
	odt := testdoc.Zip(t, testdoc.ZipFile{Name: "mimetype", Data: []byte("application/vnd.oasis.opendocument.spreadsheet"), Store: true})
	epub := testdoc.Zip(t, testdoc.ZipFile{Name: "mimetype", Data: []byte("application/epub+zip"), Store: true})
	plainZip := testdoc.Zip(t, testdoc.ZipFile{Name: "a.txt", Data: []byte("a")})
	ole := append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 512)...)
	encOLE := append(append([]byte(nil), ole...), asciiUTF16LE("EncryptionInfo")...)
	bmp := append([]byte("BM"), make([]byte, 16)...)
	bmp[14] = 40
	tar := make([]byte, 512)
	copy(tar[257:], "ustar\x0000")
	binary := bytes.Repeat([]byte{0x00, 0x9c, 0x01, 0xfe, 0x13, 0x88}, 100)

	cases := []struct {
		name, ctype, file string
		data              []byte
		want              format
	}{
		{"pdf by magic despite label", "text/plain", "x.txt", []byte("%PDF-1.7\n..."), formatPDF},
		{"pdf after junk, labelled", "application/pdf", "", append(bytes.Repeat([]byte{0}, 100), "%PDF-1.4\n"...), formatPDF},
		{"pdf label on text", "application/pdf", "", []byte("this is text"), formatText},
		{"pdf label on binary", "application/pdf", "x.pdf", binary, formatPDF},
		{"docx", "application/octet-stream", "", docx, formatDOCX},
		{"xlsx labelled zip", "application/zip", "a.zip", xlsx, formatXLSX},
		{"pptx", "", "", pptx, formatPPTX},
		{"ods", "", "", odt, formatODF},
		{"epub is a zip", "", "", epub, formatZip},
		{"zip labelled text", "text/plain", "notes.txt", plainZip, formatZip},
		{"gzip", "", "x.gz", testdoc.Gzip(t, "", []byte("x")), formatGzip},
		{"legacy doc", "application/msword", "a.doc", ole, formatUnsupported},
		{"password-protected docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "a.docx", encOLE, formatEncryptedOffice},
		{"png", "application/octet-stream", "", []byte("\x89PNG\r\n\x1a\n\x00\x00"), formatImage},
		{"jpeg labelled pdf", "application/pdf", "scan.pdf", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10}, formatImage},
		{"gif", "", "", []byte("GIF89a\x01\x00"), formatImage},
		{"bmp", "", "", bmp, formatImage},
		{"tiff", "", "", []byte("II*\x00\x08\x00\x00\x00"), formatImage},
		{"webp", "", "", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), formatImage},
		{"heic", "", "", []byte("\x00\x00\x00\x18ftypheic\x00\x00"), formatImage},
		{"image label on binary", "image/x-icon", "", binary, formatImage},
		{"svg is text", "image/svg+xml", "", []byte(`<svg><text>4111</text></svg>`), formatText},
		{"rar", "", "", []byte("Rar!\x1a\x07\x01\x00"), formatUnsupported},
		{"7z", "", "", []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4}, formatUnsupported},
		{"tar", "", "a.tar", tar, formatUnsupported},
		{"html", "text/html; charset=utf-8", "", []byte("<p>hi</p>"), formatHTML},
		{"xhtml", "application/xhtml+xml", "", []byte("<html/>"), formatHTML},
		{"html by extension", "application/octet-stream", "page.HTM", []byte("<p>hi</p>"), formatHTML},
		{"calendar", "text/calendar", "", []byte("BEGIN:VCALENDAR"), formatCalendar},
		{"vcard", "text/x-vcard", "", []byte("BEGIN:VCARD"), formatCalendar},
		{"ics by name", "application/octet-stream", "invite.ics", []byte("BEGIN:VCALENDAR"), formatCalendar},
		{"vcf by name", "", "me.vcf", []byte("BEGIN:VCARD"), formatCalendar},
		{"message", "message/rfc822", "", []byte("Subject: x\r\n\r\nbody"), formatMessage},
		{"message/global", "message/global", "", []byte("Subject: x\r\n\r\nbody"), formatMessage},
		{"eml by name", "application/octet-stream", "fwd.eml", []byte("Subject: x\r\n\r\nbody"), formatMessage},
		{"csv", "text/csv", "", []byte("a,b\n1,2\n"), formatText},
		{"json", "application/json", "", []byte(`{"a":1}`), formatText},
		{"yaml", "application/x-yaml", "", []byte("a: 1\n"), formatText},
		{"xml suffix type", "application/vnd.foo+xml", "", []byte("<a/>"), formatText},
		{"octet-stream text", "application/octet-stream", "", []byte("card 4111 1111 1111 1111\n"), formatText},
		{"octet-stream latin-1", "application/octet-stream", "", []byte("Caf\xe9 num\xe9ro 4111\n"), formatText},
		{"octet-stream utf-16 bom", "application/octet-stream", "", utf16leBOM("card 4111"), formatText},
		{"octet-stream utf-16 no bom", "application/octet-stream", "", utf16leBOM("card 4111 1111 1111 1111")[2:], formatText},
		{"empty", "", "", nil, formatText},
		{"binary", "application/octet-stream", "", binary, formatUnknown},
		{"binary with text label", "text/plain", "", binary, formatText},
		{"audio", "audio/mpeg", "a.mp3", binary, formatUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.ctype, tc.file, tc.data); got != tc.want {
				t.Errorf("classify(%q, %q) = %v, want %v", tc.ctype, tc.file, got, tc.want)
			}
		})
	}
}

func TestUnfoldCalendar(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"CRLF space fold inside a number", "DESCRIPTION:card 4111 1111 11\r\n 11 1111\r\n", "DESCRIPTION:card 4111 1111 1111 1111\r\n"},
		{"LF tab fold", "NOTE:SSN 078-05\n\t-1123\n", "NOTE:SSN 078-05-1123\n"},
		{"only one blank is removed", "A:x\r\n  y\r\n", "A:x y\r\n"},
		{"escapes", `DESCRIPTION:a\nb\Nc\, d\; e\\n`, "DESCRIPTION:a\nb\nc, d; e\\n"},
		{"unfolded then unescaped", "D:4111\\,\r\n 1111", "D:4111,1111"},
		{"vCard 2.1 quoted-printable with soft breaks", "NOTE;ENCODING=QUOTED-PRINTABLE:card 4111 1111 =\r\n1111 1111=0D=0A\r\nFN:x\r\n", "NOTE;ENCODING=QUOTED-PRINTABLE:card 4111 1111 1111 1111\r\n\r\nFN:x\r\n"},
		{"no trailing newline", "SUMMARY:hi", "SUMMARY:hi"},
		{"lone backslash at end", `X:a\`, `X:a\`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := unfoldCalendar(tc.in); got != tc.want {
				t.Errorf("unfoldCalendar = %q, want %q", maskForTest(got), maskForTest(tc.want))
			}
		})
	}
}

func TestOCRText(t *testing.T) {
	png := hugePNG(t, 64, 64) // a real header, above the floor: OCR reads the size first
	t.Run("off", func(t *testing.T) {
		r := testBudget().readImage(png)
		if r.outcome != imageWithheld || reasonOrEmpty(r.err) != ReasonNoText {
			t.Fatalf("outcome %d, reason %q, want withheld, no_text", r.outcome, reasonOrEmpty(r.err))
		}
	})
	t.Run("not installed", func(t *testing.T) {
		lim := DefaultLimits()
		lim.OCR = true
		lim.TesseractPath = filepath.Join(t.TempDir(), "no-such-tesseract")
		_, err := newAccount(context.Background(), lim).ocrText(png)
		if reasonOrEmpty(err) != ReasonNoText {
			t.Fatalf("reason %q, want no_text", reasonOrEmpty(err))
		}
	})
	lim := DefaultLimits()
	lim.OCR = true
	lim.TesseractPath = fakeTesseract(t, "PNG")
	text, err := newAccount(context.Background(), lim).ocrText(png)
	if err != nil || !strings.Contains(text.Text, testCard) {
		t.Fatalf("ocr: %v, %d bytes", err, len(text.Text))
	}
}

// fakeTesseract stands in for tesseract, which is not installed on every
// machine: a script with its command line shows the plumbing. The image
// must arrive on stdin (never in a file) and start with magic; the text
// is read from stdout.
func fakeTesseract(t *testing.T, magic string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for tesseract")
	}
	fake := filepath.Join(t.TempDir(), "tesseract")
	script := "#!/bin/sh\n[ \"$1\" = stdin ] && [ \"$2\" = stdout ] || exit 2\nhead -c 4 | grep -q '" + magic + "' || exit 3\ncat >/dev/null\necho 'Card " + testCard + "'\n"
	if err := os.WriteFile(fake, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return fake
}
