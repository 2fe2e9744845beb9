package mailgen

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"strings"
	"time"
)

// fixedTime stamps archive entries so the output depends on the seed only.
var fixedTime = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// zipOf returns a zip holding one deflated file.
func (g *Generator) zipOf(name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: fixedTime})
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		panic("mailgen: zip in memory: " + err.Error()) // writing to a bytes.Buffer does not fail
	}
	return buf.Bytes()
}

// gzipOf returns data gzipped, with the inner file name in the header or
// (as some tools write it) without one.
func (g *Generator) gzipOf(name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if g.r.IntN(2) == 0 {
		zw.Name = name
	}
	zw.ModTime = fixedTime
	if _, err := zw.Write(data); err != nil {
		panic("mailgen: gzip in memory: " + err.Error())
	}
	if err := zw.Close(); err != nil {
		panic("mailgen: gzip in memory: " + err.Error())
	}
	return buf.Bytes()
}

const (
	docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
)

// docx returns a minimal Word document with one paragraph per string.
// Each paragraph is cut into formatting runs at random places, inside
// numbers too, as Word does when part of a number was edited or bolded.
func (g *Generator) docx(paras []string) []byte {
	var doc strings.Builder
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	doc.WriteString(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, p := range paras {
		doc.WriteString("<w:p>")
		rs := []rune(p)
		for len(rs) > 0 {
			n := len(rs)
			if n > 2 && g.r.IntN(2) == 0 {
				n = 1 + g.r.IntN(n-1)
			}
			doc.WriteString("<w:r>")
			if g.r.IntN(3) == 0 {
				doc.WriteString("<w:rPr><w:b/></w:rPr>")
			}
			doc.WriteString(`<w:t xml:space="preserve">`)
			xml.EscapeText(&doc, []byte(string(rs[:n])))
			doc.WriteString("</w:t></w:r>")
			rs = rs[n:]
		}
		doc.WriteString("</w:p>")
	}
	doc.WriteString(`<w:sectPr/></w:body></w:document>`)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, data string }{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxRels},
		{"word/document.xml", doc.String()},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: fixedTime})
		if err == nil {
			_, err = w.Write([]byte(f.data))
		}
		if err != nil {
			panic("mailgen: docx in memory: " + err.Error())
		}
	}
	if err := zw.Close(); err != nil {
		panic("mailgen: docx in memory: " + err.Error())
	}
	return buf.Bytes()
}
