package scan

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/intake-mail/intake/scan/internal/archive"
	"github.com/intake-mail/intake/scan/internal/charset"
	"github.com/intake-mail/intake/scan/internal/office"
)

// The walk's side of Office documents (internal/office reads the
// packages): the pictures a package holds go under the image policy, and
// an embedded object is read by what its bytes are, its text written into
// the document's.

// maxEmbeddedDepth bounds Office documents embedded in Office documents (a
// spreadsheet behind a chart in a letter): deep enough for real files.
const maxEmbeddedDepth = 3

// officeKinds are the formats internal/office reads.
var officeKinds = map[format]office.Kind{
	formatDOCX: office.DOCX,
	formatXLSX: office.XLSX,
	formatPPTX: office.PPTX,
	formatODF:  office.ODF,
}

// officeText returns the text of a DOCX, XLSX, PPTX or ODF document (see
// office.Text) and notes the images it holds on b for the walk.
func officeText(b *account, f format, data []byte) (string, error) {
	k, ok := officeKinds[f]
	if !ok {
		return "", unscannable(ReasonUnsupported, "not an office format")
	}
	return office.Text(b.Budget, k, data, officeEnv{b})
}

// officeEnv is what an Office document asks of the walk.
type officeEnv struct{ b *account }

func (e officeEnv) Image(name string, data []byte) {
	e.b.noteImage(name, e.b.readImage(data))
}

// SVG puts the pictures an SVG embeds as data: URIs under the image
// policy, located "NAME.svg/data-N.EXT"; its text was read as XML.
func (e officeEnv) SVG(name string, data []byte) {
	n := 0
	for _, uri := range dataURIs(string(data)) {
		ctype, _, img, _ := parseDataURI(uri)
		if !strings.HasPrefix(ctype, "image/") || ctype == "image/svg+xml" {
			continue
		}
		n++
		e.b.noteImage(fmt.Sprintf("%s/data-%d%s", path.Base(name), n, dataExt[ctype]), e.b.readImage(img))
	}
}

// Embedded reads one embedded object by what its bytes are. A picture is
// under the image policy, as the package's own pictures are; the images
// of an embedded document are located inside it.
func (e officeEnv) Embedded(out *strings.Builder, name string, data []byte, depth int, note func(error) error) error {
	b := e.b
	if err := b.Check(); err != nil {
		return err
	}
	defer b.nestImages(len(b.images), name)
	switch f := classify("", name, data); f {
	case formatDOCX, formatXLSX, formatPPTX, formatODF:
		if depth >= maxEmbeddedDepth {
			return unscannable(ReasonTooDeep, "office documents embedded too deep")
		}
		err := office.TextTo(b.Budget, officeKinds[f], data, out, depth+1, e)
		out.WriteByte('\n')
		return err
	case formatZip, formatGzip:
		if depth >= maxEmbeddedDepth {
			return unscannable(ReasonTooDeep, "archives embedded too deep")
		}
		var entries []archive.Entry
		var err error
		if f == formatZip {
			entries, err = archive.Zip(b.Budget, data)
		} else {
			var en archive.Entry
			en, err = archive.Gzip(b.Budget, name, data)
			entries = []archive.Entry{en}
		}
		if err != nil {
			if fatal := note(err); fatal != nil {
				return fatal
			}
		}
		for _, en := range entries {
			if en.Err == nil && en.Data != nil {
				en.Err = e.Embedded(out, en.Name, en.Data, depth+1, note)
			}
			if fatal := note(office.WrapPart(en.Name, en.Err)); fatal != nil {
				return fatal
			}
		}
		return nil
	case formatPDF, formatRTF:
		text, err := documentReaders[f](b, data)
		out.WriteString(text)
		out.WriteByte('\n')
		return err
	case formatText, formatHTML, formatCalendar, formatMessage:
		text, alts, problem := charset.Decode(data, "")
		for _, a := range alts {
			// Another reading of the bytes shows other digits: scan it too.
			text = append(append(text, '\n'), a...)
		}
		var uris []string
		switch f {
		case formatHTML:
			var visible, hidden []byte
			visible, hidden, uris = htmlText(text)
			text = append(append(visible, '\n'), hidden...)
		case formatCalendar:
			text = []byte(unfoldCalendar(string(text)))
		}
		out.Write(text)
		out.WriteByte('\n')
		switch {
		case problem != "":
			return unscannable(problem, "embedded text")
		case len(uris) > 0:
			// data: URIs inside embedded HTML are not followed here.
			return unscannable(ReasonUnsupported, "data: URI in embedded HTML")
		case f == formatMessage:
			// Read as text, headers and all; its encoded parts are not.
			return unscannable(ReasonUnsupported, "embedded mail message")
		}
		return nil
	case formatImage:
		b.noteImage("", b.readImage(data)) // named by nestImages
		return nil
	case formatEncryptedOffice:
		return unscannable(ReasonEncrypted, "embedded office document is encrypted")
	}
	return unscannable(ReasonUnsupported, embeddedKind(name, data))
}

// embeddedKind names what could not be read, for the log and the operator;
// never content, and never the member's file name.
func embeddedKind(name string, data []byte) string {
	lower := strings.ToLower(name)
	ole := bytes.HasPrefix(data, magicOLE)
	switch {
	case strings.Contains(lower, "vbaproject"):
		return "macro project"
	case strings.Contains(lower, "activex"):
		return "activex control"
	case ole:
		return "embedded OLE object"
	}
	return "embedded binary object"
}
