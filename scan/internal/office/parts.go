package office

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// After the main parts and the properties, every other entry of a package
// is accounted for, so that nothing in it passes unread without a decision:
//
//   - XML anywhere (customXml/ data parts, legacy VML drawings, ribbon
//     XML, a producer's own parts, ODF settings and macros): read.
//   - Relationship parts: the targets of external links (a hyperlink's
//     URL ships in the file and shows on hover).
//   - Pictures (media/, Pictures/, any image file): each under the image
//     policy (Env.Image; package scan, image.go), located at its base name
//     inside the document. A vector picture (EMF, WMF, SVM, PICT...) has no pixel size to hold
//     against the floor and no OCR: it is withheld; an SVG is XML, read
//     as such, with the images it embeds. Thumbnails (a rendering of the
//     first page) and ObjectReplacements/ (renderings of embedded objects
//     whose own parts are read) show nothing the rest does not. Audio and
//     video are not read.
//   - Fonts (glyph outlines, obfuscated) and printer settings (a DEVMODE
//     structure): no text a person typed; skipped by name.
//   - Anything else is an embedded object, read by the walk (Env.Embedded)
//     by what its bytes are: an Office document, a zip or gzip, a PDF or text is read; an OLE object
//     (oleObject*.bin, a legacy .xls or .doc), a macro project
//     (vbaProject.bin), an ActiveX control's state or an unknown binary is
//     reported unsupported and withholds the document.

type entryKind int

const (
	entryEmbedded entryKind = iota
	entrySkip
	entryMedia
	entryRendering // a thumbnail or an object's replacement picture
	entryAudioVideo
	entryRels
	entryXML
)

// mediaExtensions are pictures inside packages.
var mediaExtensions = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".jpe": true, ".gif": true, ".bmp": true, ".dib": true,
	".tif": true, ".tiff": true, ".emf": true, ".wmf": true, ".emz": true, ".wmz": true,
	".svm": true, ".wdp": true, ".jxr": true, ".hdp": true, ".ico": true, ".webp": true, ".heic": true,
	".pict": true, ".pct": true,
}

// audioVideoExtensions are sound and video inside packages.
var audioVideoExtensions = map[string]bool{
	".mp3": true, ".mp4": true, ".m4a": true, ".wav": true, ".wma": true,
	".wmv": true, ".avi": true, ".mov": true, ".mpg": true, ".mpeg": true,
}

var fontExtensions = map[string]bool{
	".odttf": true, ".fntdata": true, ".ttf": true, ".otf": true, ".eot": true, ".woff": true, ".woff2": true,
}

func kindOfEntry(name string) entryKind {
	lower := strings.ToLower(name)
	base := path.Base(lower)
	ext := path.Ext(base)
	switch {
	case strings.HasSuffix(name, "/"), name == "[Content_Types].xml", name == "mimetype":
		return entrySkip
	case ext == ".rels":
		return entryRels
	case ext == ".xml" || ext == ".vml" || ext == ".svg":
		return entryXML
	case fontExtensions[ext] || strings.Contains(lower, "/fonts/"):
		return entrySkip // glyph outlines: no text
	case strings.HasPrefix(base, "printersettings"), base == "layout-cache":
		return entrySkip // a printer's DEVMODE; an ODF layout cache: no text
	case strings.HasPrefix(name, "Thumbnails/"), strings.HasPrefix(name, "ObjectReplacements/"),
		strings.Contains(name, "/ObjectReplacements/"), strings.HasPrefix(base, "thumbnail."):
		return entryRendering
	case audioVideoExtensions[ext]:
		return entryAudioVideo
	case mediaExtensions[ext], strings.Contains(lower, "/media/"), strings.HasPrefix(lower, "media/"),
		strings.HasPrefix(name, "Pictures/"), strings.Contains(name, "/Pictures/"):
		return entryMedia
	}
	return entryEmbedded
}

// rest reads every entry the main parts and properties did not.
func (d *officeDoc) rest(out *strings.Builder, depth int) error {
	for _, n := range d.names {
		if d.done[n] {
			continue
		}
		switch kindOfEntry(n) {
		case entrySkip, entryRendering, entryAudioVideo:
			continue
		case entryMedia:
			data, ok, err := d.read(n)
			if err == nil && ok {
				d.env.Image(path.Base(n), data)
			}
			if err := d.note(WrapPart(n, err)); err != nil {
				return err
			}
		case entryRels:
			data, ok, err := d.read(n)
			if err == nil && ok {
				err = relsTargets(d.b, out, data)
			}
			if err := d.note(WrapPart(n, err)); err != nil {
				return err
			}
		case entryXML:
			rules := genericXMLRules
			switch {
			case strings.HasPrefix(n, "customXml/"):
				rules = customXMLRules
			case strings.HasSuffix(strings.ToLower(n), ".vml"):
				rules.lenient = true
			}
			data, ok, err := d.read(n)
			if err == nil && ok {
				err = xmlText(d.b, out, data, rules)
				out.WriteByte('\n')
				if strings.HasSuffix(strings.ToLower(n), ".svg") {
					d.env.SVG(n, data)
				}
			}
			if err := d.note(WrapPart(n, err)); err != nil {
				return err
			}
		case entryEmbedded:
			data, ok, err := d.read(n)
			if err == nil && ok {
				err = d.env.Embedded(out, n, data, depth, d.note)
			}
			if err := d.note(WrapPart(n, err)); err != nil {
				return err
			}
		}
	}
	return nil
}

// WrapPart names the entry an error is about, hiding the digits of its
// name (partLabel).
func WrapPart(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", partLabel(name), err)
}

// partLabel names a package entry in an error: its base name with every
// run of more than four digits hidden, since an entry name is the
// sender's and could hold a number.
func partLabel(name string) string {
	b := []byte(path.Base(name))
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && isDecDigit(b[j]) {
			j++
		}
		if j-i > 4 {
			for k := i; k < j; k++ {
				b[k] = '#'
			}
		}
		i = max(j, i+1)
	}
	return string(b)
}

// relsTargets writes the targets of a relationship part's external links
// (ECMA-376 Part 2, 9.3): hyperlinks and linked files, percent-decoded as
// a person reads them on hover.
func relsTargets(b *budget.Budget, out *strings.Builder, data []byte) error {
	data, err := xmlUTF8(data)
	if err != nil {
		return err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = xmlCharsetReader
	for n := 0; ; n++ {
		tok, err := xmlToken(b, dec, n, "rels")
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		t, ok := tok.(xml.StartElement)
		if !ok || t.Name.Local != "Relationship" {
			continue
		}
		var target string
		external := false
		for _, a := range t.Attr {
			switch a.Name.Local {
			case "Target":
				target = a.Value
			case "TargetMode":
				external = a.Value == "External"
			}
		}
		if !external || target == "" {
			continue
		}
		if u, err := url.PathUnescape(target); err == nil {
			target = u
		}
		out.WriteString(target)
		out.WriteByte('\n')
	}
}

// odfEncrypted refuses an OpenDocument package whose manifest says its
// entries are encrypted (ODF 1.2 Part 3, 3.8): the entries are not flagged
// in the zip, and would otherwise read as garbage.
func (d *officeDoc) odfEncrypted() error {
	data, ok, err := d.read("META-INF/manifest.xml")
	if err != nil || !ok {
		return err
	}
	if bytes.Contains(data, []byte("encryption-data")) {
		return budget.Unscannable(budget.ReasonEncrypted, "OpenDocument package is encrypted")
	}
	// The manifest holds no text of the document: it is done.
	return nil
}
