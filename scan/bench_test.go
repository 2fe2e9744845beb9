package scan

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/intake-mail/intake/scan/internal/baseline"
	"github.com/intake-mail/intake/scan/internal/corpus"
)

var (
	prose = corpus.Prose(4<<20, 7)
	dense = corpus.CSV(4<<20, 7)
)

func benchDetect(b *testing.B, text []byte) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Detect(text)
	}
}

func benchBaseline(b *testing.B, text []byte) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		baseline.Counts(text)
	}
}

// The detector against what a user would write instead, side by side.
func BenchmarkDetectProse(b *testing.B)   { benchDetect(b, prose) }
func BenchmarkBaselineProse(b *testing.B) { benchBaseline(b, prose) }
func BenchmarkDetectDense(b *testing.B)   { benchDetect(b, dense) }
func BenchmarkBaselineDense(b *testing.B) { benchBaseline(b, dense) }

// typicalMessage is a ~100 KB member mail: text and HTML alternatives and a
// PDF attachment, with a card in the HTML.
func typicalMessage(tb testing.TB) []byte {
	pdf := fpdf.New("P", "mm", "A4", "")
	for p := 0; p < 8; p++ {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(0, 5, string(corpus.Prose(4000, uint64(p))), "", "", false)
	}
	var pdfBuf bytes.Buffer
	if err := pdf.Output(&pdfBuf); err != nil {
		tb.Fatal(err)
	}
	text := corpus.Prose(30<<10, 3)
	var m bytes.Buffer
	m.WriteString("From: Member <m@example.org>\r\nTo: support@support.localhost\r\nSubject: my order\r\n")
	m.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n")
	m.WriteString("--outer\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n")
	m.WriteString("--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	m.Write(text)
	m.WriteString("\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>")
	m.Write(bytes.ReplaceAll(text, []byte("\n"), []byte("<br>\n")))
	m.WriteString("<p>card 4111<b>1111</b>1111&nbsp;1111</p></body></html>\r\n--alt--\r\n")
	m.WriteString("--outer\r\nContent-Type: application/pdf; name=statement.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(pdfBuf.Bytes())
	for len(enc) > 76 {
		m.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	m.WriteString(enc + "\r\n--outer--\r\n")
	return m.Bytes()
}

func BenchmarkScanTypicalMessage(b *testing.B) {
	raw := typicalMessage(b)
	sc := New(DefaultLimits())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := sc.Scan(context.Background(), raw)
		if err != nil || !res.Sensitive() {
			b.Fatalf("scan: %v, sensitive %v", err, res != nil && res.Sensitive())
		}
	}
}

// BenchmarkScanLarge scans a 25 MiB message (the default SMTP limit), as
// the gateway does, and reports the bytes it allocates per message.
func BenchmarkScanLarge(b *testing.B) {
	for _, c := range []struct {
		name string
		raw  []byte
	}{
		{"prose-25MiB", corpus.Message(corpus.Prose(25<<20, 9))},
		{"csv-25MiB-base64", base64Message(corpus.CSV(18<<20, 9))},
	} {
		b.Run(c.name, func(b *testing.B) {
			sc := New(DefaultLimits())
			b.SetBytes(int64(len(c.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sc.Scan(context.Background(), c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func base64Message(body []byte) []byte {
	var m bytes.Buffer
	m.WriteString("From: m@example.org\r\nSubject: export\r\nMIME-Version: 1.0\r\n")
	m.WriteString("Content-Type: text/csv; name=orders.csv\r\nContent-Disposition: attachment; filename=orders.csv\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(body)
	for i := 0; i < len(enc); i += 76 {
		fmt.Fprintf(&m, "%s\r\n", enc[i:min(i+76, len(enc))])
	}
	return m.Bytes()
}

// The measuring texts hold no sensitive number: anything found in them
// would be a false alarm.
func TestCorpusIsClean(t *testing.T) {
	for name, text := range map[string][]byte{"prose": prose, "dense": dense} {
		if ms := Detect(text); len(ms) > 0 {
			t.Errorf("%s corpus: %d findings, first %s %s", name, len(ms), ms[0].Kind, ms[0].Masked)
		}
	}
}

// BenchmarkScanSmallMessage is the gateway's common case: a 4 KiB
// text/plain message, as the load runs send.
func BenchmarkScanSmallMessage(b *testing.B) {
	raw := corpus.Message(corpus.Prose(4<<10, 11))
	sc := New(DefaultLimits())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sc.Scan(context.Background(), raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanReader is `intake scan` on a 64 MiB single-part message,
// read through the window (ScanReader) with findings only.
func BenchmarkScanReader(b *testing.B) {
	for _, c := range []struct {
		name string
		raw  []byte
	}{
		{"prose-64MiB", corpus.Message(corpus.Prose(64<<20, 9))},
		{"csv-64MiB", corpus.Message(corpus.CSV(64<<20, 9))},
	} {
		b.Run(c.name, func(b *testing.B) {
			sc := New(DefaultLimits()).WithoutText()
			b.SetBytes(int64(len(c.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sc.ScanReader(context.Background(), "m.eml", bytes.NewReader(c.raw)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeBase64 is the transfer decoder on 8 MiB of base64 in 76
// character lines: well formed, and malformed as senders get it wrong
// (each line padded on its own, a stray character every few lines).
func BenchmarkDecodeBase64(b *testing.B) {
	data := corpus.CSV(6<<20, 5)
	var good, perLine, junk bytes.Buffer
	enc := base64.StdEncoding.EncodeToString(data)
	for i := 0; i < len(enc); i += 76 {
		good.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
	}
	for i := 0; i < len(data); i += 57 {
		perLine.WriteString(base64.StdEncoding.EncodeToString(data[i:min(i+58, len(data))]) + "\r\n")
	}
	for i := 0; i < len(enc); i += 76 {
		junk.WriteString(enc[i:min(i+76, len(enc))])
		if i%(76*5) == 0 {
			junk.WriteByte('!')
		}
		junk.WriteString("\r\n")
	}
	for _, c := range []struct {
		name string
		body []byte
	}{{"well-formed", good.Bytes()}, {"padded-lines", perLine.Bytes()}, {"junk", junk.Bytes()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				decodeBase64(c.body)
			}
		})
	}
}
