package mailgen

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// TestDeterministic: a seed gives the same message, byte for byte.
func TestDeterministic(t *testing.T) {
	a, b := New(42).Positive(), New(42).Positive()
	if !bytes.Equal(a.Raw, b.Raw) || a.Shape != b.Shape || len(a.Planted) != len(b.Planted) {
		t.Fatal("the same seed gave two different messages")
	}
	if c := New(43).Positive(); bytes.Equal(a.Raw, c.Raw) {
		t.Fatal("two seeds gave the same message")
	}
}

// TestPublishedOnly: a published generator plants nothing but the
// published test numbers, so its messages may be committed.
func TestPublishedOnly(t *testing.T) {
	allowed := map[string]bool{}
	for _, n := range append(append([]string(nil), publishedCards...), publishedSSNs...) {
		allowed[n] = true
		if !ValidCard(n) && !ValidSSN(n) {
			t.Errorf("published number %v is not valid", Secret(n))
		}
	}
	for seed := uint64(1); seed <= 100; seed++ {
		for _, p := range NewPublished(seed).Positive().Planted {
			if !allowed[string(p.Number)] {
				t.Fatalf("seed %d planted %v, not a published number", seed, p)
			}
		}
	}
}

// TestNegativeMessages: no SSN keyword anywhere in a negative message, no
// number planted, and at least two hard negatives.
func TestNegativeMessages(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		m := New(seed).Negative()
		if m.Keywords || len(m.Planted) > 0 || len(m.Negatives) < 2 {
			t.Fatalf("seed %d: keywords %v, %d planted, %d negatives", seed, m.Keywords, len(m.Planted), len(m.Negatives))
		}
		for _, s := range m.texts {
			if hasSSNKeyword(s) {
				t.Fatalf("seed %d: negative message names the SSN: %q", seed, maskDigits(s))
			}
		}
	}
}

// TestLabelsAreTrue reads generated messages with the standard library
// alone (not the scanner) and checks that each is well formed (CRLF, line
// lengths, decodable transfer encodings and charsets) and that every
// labelled number, and every hard negative, is really in the text at its
// labelled location.
func TestLabelsAreTrue(t *testing.T) {
	seen := map[string]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		g := New(seed)
		for _, m := range []Message{g.Positive(), g.Negative()} {
			r := &reader{t: t, texts: map[string]*strings.Builder{}}
			r.message(m.Raw, "")
			if r.holds("body", "01234567890123456789") {
				t.Fatal("the reader finds digits that are not there")
			}
			for _, p := range m.Planted {
				for _, kind := range []string{"subject", "header:", ".docx", ".xlsx", ".odt", ".ics", ".vcf", ".pdf", ".zip/", ".gz/", ".eml", ".csv", ".txt", "body"} {
					if strings.Contains(p.Where, kind) {
						seen[kind]++
					}
				}
			}
			if t.Failed() {
				t.Fatalf("seed %d: malformed message, shape %s", seed, m.Shape)
			}
			if len(m.Planted)+len(m.Negatives) == 0 {
				t.Fatalf("seed %d: a message with no labels", seed)
			}
			for _, p := range m.Planted {
				if !r.holds(p.Where, string(p.Number)) {
					t.Errorf("seed %d: %v is not in the message there; shape %s", seed, p, m.Shape)
				}
				if p.Last4 != string(p.Number)[len(p.Number)-4:] || p.Where == "" {
					t.Errorf("seed %d: bad label %v", seed, p)
				}
			}
			for _, n := range m.Negatives {
				if !r.holds(n.Where, digitsOnly(string(n.Value))) {
					t.Errorf("seed %d: %v is not in the message there; shape %s", seed, n, m.Shape)
				}
			}
		}
	}
	for _, kind := range []string{"subject", "header:", ".docx", ".xlsx", ".odt", ".ics", ".vcf", ".pdf", ".zip/", ".gz/", ".eml", ".csv", ".txt", "body"} {
		if seen[kind] == 0 {
			t.Errorf("no number planted at a location like %q", kind)
		}
	}
	t.Logf("numbers planted per kind of location: %v", seen)
}

// reader is a small MIME reader on the standard library, independent of
// the scanner's, that collects decoded text per contract location.
type reader struct {
	t     *testing.T
	texts map[string]*strings.Builder
	names strings.Builder // attachment file names, where numbers may be planted
}

func (r *reader) add(where, text string) {
	b := r.texts[where]
	if b == nil {
		b = &strings.Builder{}
		r.texts[where] = b
	}
	b.WriteString(text)
	b.WriteByte('\n')
}

func (r *reader) holds(where, digits string) bool {
	if b := r.texts[where]; b != nil && strings.Contains(digitsOnly(b.String()), digits) {
		return true
	}
	return strings.HasPrefix(where, "attachment:") && strings.Contains(digitsOnly(r.names.String()), digits)
}

var words = mime.WordDecoder{CharsetReader: func(label string, in io.Reader) (io.Reader, error) {
	e, err := htmlindex.Get(label)
	if err != nil {
		return nil, err
	}
	return e.NewDecoder().Reader(in), nil
}}

func (r *reader) decodeWords(s string) string {
	d, err := words.DecodeHeader(s)
	if err != nil {
		r.t.Errorf("encoded words: %v", err)
	}
	return d
}

func (r *reader) message(raw []byte, where string) {
	if n, crlf := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); n != crlf {
		r.t.Errorf("%d bare line feeds", n-crlf)
	}
	for _, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			r.t.Errorf("a line of %d bytes", len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		r.t.Errorf("read message: %v", err)
		return
	}
	r.add(orDefault(where, "subject"), r.decodeWords(msg.Header.Get("Subject")))
	for _, k := range []string{"From", "To", "Cc", "Reply-To"} {
		if v := msg.Header.Get(k); v != "" {
			r.add(orDefault(where, "header:"+strings.ToLower(k)), r.decodeWords(v))
		}
	}
	body, _ := io.ReadAll(msg.Body)
	r.entity(textproto.MIMEHeader(msg.Header), body, where)
}

var tags = regexp.MustCompile(`<[^>]*>`)

func (r *reader) entity(h textproto.MIMEHeader, body []byte, where string) {
	ct, params, err := mime.ParseMediaType(orDefault(h.Get("Content-Type"), "text/plain"))
	if err != nil {
		r.t.Errorf("content type: %v", err)
		return
	}
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				r.t.Errorf("multipart: %v", err)
				return
			}
			data, _ := io.ReadAll(p)
			r.entity(p.Header, data, where)
		}
	}
	data := r.transfer(h.Get("Content-Transfer-Encoding"), body)
	name := params["name"]
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
		name = dp["filename"]
	}
	name = r.decodeWords(name)
	r.names.WriteString(name + "\n")
	loc := orDefault(where, "body")
	if name != "" {
		loc = nest(where, name)
	}
	switch {
	case ct == "message/rfc822":
		r.message(data, loc)
	case strings.HasPrefix(ct, "text/"):
		text := r.charset(data, params["charset"])
		switch ct {
		case "text/html":
			text = html.UnescapeString(tags.ReplaceAllString(text, ""))
		case "text/calendar", "text/vcard", "text/x-vcard":
			text = r.unfold(text)
		}
		r.add(loc, text)
	case ct == "application/zip":
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			r.t.Errorf("zip: %v", err)
			return
		}
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			r.add(loc+"/"+f.Name, string(b))
		}
	case strings.HasSuffix(name, ".gz"):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			r.t.Errorf("gzip: %v", err)
			return
		}
		b, _ := io.ReadAll(zr)
		r.add(loc+"/"+strings.TrimSuffix(name, ".gz"), string(b))
	case strings.HasSuffix(name, ".docx"), strings.HasSuffix(name, ".xlsx"), strings.HasSuffix(name, ".odt"):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			r.t.Errorf("office document: %v", err)
			return
		}
		for _, f := range zr.File {
			switch f.Name {
			case "word/document.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "content.xml":
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				x := strings.ReplaceAll(string(b), "<text:s/>", " ")
				r.add(loc, html.UnescapeString(tags.ReplaceAllString(x, "")))
			}
		}
	case strings.HasSuffix(name, ".pdf"):
		r.add(loc, r.pdfText(data))
	default:
		r.t.Errorf("unexpected part %s", ct)
	}
}

var (
	pdfStreams = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	pdfStrings = regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\)\s*Tj`)
)

// pdfText inflates the content streams and returns the strings shown with
// Tj, enough for the PDFs the generator writes.
func (r *reader) pdfText(data []byte) string {
	var out strings.Builder
	for _, m := range pdfStreams.FindAllSubmatch(data, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // not a Flate stream (a font, an image)
		}
		content, _ := io.ReadAll(zr)
		for _, s := range pdfStrings.FindAllSubmatch(content, -1) {
			text := strings.NewReplacer(`\(`, "(", `\)`, ")", `\\`, `\`).Replace(string(s[1]))
			dec, _ := charmap.Windows1252.NewDecoder().String(text)
			out.WriteString(dec + "\n")
		}
	}
	if out.Len() == 0 {
		r.t.Errorf("no text in a generated PDF")
	}
	return out.String()
}

func (r *reader) transfer(cte string, body []byte) []byte {
	switch strings.ToLower(cte) {
	case "quoted-printable", "base64":
		for _, line := range bytes.Split(body, []byte("\r\n")) {
			if len(line) > 76 {
				r.t.Errorf("%s line of %d characters", cte, len(line))
			}
		}
	}
	switch strings.ToLower(cte) {
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			r.t.Errorf("quoted-printable: %v", err)
		}
		return b
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(body)))
		if err != nil {
			r.t.Errorf("base64: %v", err)
		}
		return b
	case "", "7bit", "8bit":
		if strings.EqualFold(cte, "7bit") && !isSevenBit(body) {
			r.t.Errorf("8-bit bytes in a 7bit part")
		}
		return body
	}
	r.t.Errorf("unexpected transfer encoding %q", cte)
	return body
}

func (r *reader) charset(data []byte, label string) string {
	switch {
	case label == "" || strings.EqualFold(label, "utf-8"):
		// Undeclared, or declared UTF-8 but not: Windows-1252.
		if utf8.Valid(data) {
			return string(data)
		}
		label = "windows-1252"
	case strings.EqualFold(label, "iso-8859-1") && utf8.Valid(data):
		return string(data) // UTF-8 labelled Latin-1
	}
	e, err := htmlindex.Get(label)
	if err != nil {
		r.t.Errorf("charset %q: %v", label, err)
		return ""
	}
	b, err := e.NewDecoder().Bytes(data)
	if err != nil {
		r.t.Errorf("charset %s: %v", label, err)
	}
	s := strings.TrimPrefix(string(b), "\uFEFF")
	if strings.ContainsRune(s, utf8.RuneError) {
		r.t.Errorf("charset %s: undecodable bytes", label)
	}
	return s
}

// unfold undoes calendar and vCard line folding and a vCard 2.1 note's
// quoted-printable.
func (r *reader) unfold(text string) string {
	text = strings.NewReplacer("\r\n ", "", "\n ", "").Replace(text)
	var out strings.Builder
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		name, value, _ := strings.Cut(line, ":")
		if !strings.Contains(name, "QUOTED-PRINTABLE") {
			out.WriteString(line + "\n")
			continue
		}
		for strings.HasSuffix(value, "=") && i+1 < len(lines) {
			i++
			value += "\r\n" + lines[i]
		}
		b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(value)))
		if err != nil {
			r.t.Errorf("vCard quoted-printable: %v", err)
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.String()
}
