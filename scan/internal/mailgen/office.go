package mailgen

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// zipFiles writes a zip of the named files in order; the first may be
// stored (OpenDocument's "mimetype" must be).
func zipFiles(files [][2]string, storeFirst bool) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, f := range files {
		method := zip.Deflate
		if i == 0 && storeFirst {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: method, Modified: fixedTime})
		if err == nil {
			_, err = w.Write([]byte(f[1]))
		}
		if err != nil {
			panic("mailgen: zip in memory: " + err.Error()) // a bytes.Buffer does not fail
		}
	}
	if err := zw.Close(); err != nil {
		panic("mailgen: zip in memory: " + err.Error())
	}
	return buf.Bytes()
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// cell is one spreadsheet cell: text, or a number typed as a number.
type cell struct {
	text    string
	numeric bool
}

// xlsx returns a minimal workbook with one sheet of rows. Text cells go to
// the shared string table or, now and then, inline, as some producers
// write them.
func (g *Generator) xlsx(rows [][]cell) []byte {
	var shared []string
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	sheet.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for i, row := range rows {
		fmt.Fprintf(&sheet, `<row r="%d">`, i+1)
		for j, c := range row {
			ref := fmt.Sprintf("%c%d", 'A'+j, i+1)
			switch {
			case c.numeric:
				fmt.Fprintf(&sheet, `<c r="%s"><v>%s</v></c>`, ref, c.text)
			case g.r.IntN(4) == 0:
				fmt.Fprintf(&sheet, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, xmlEscape(c.text))
			default:
				fmt.Fprintf(&sheet, `<c r="%s" t="s"><v>%d</v></c>`, ref, len(shared))
				shared = append(shared, c.text)
			}
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	var sst strings.Builder
	fmt.Fprintf(&sst, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(shared), len(shared))
	for _, s := range shared {
		fmt.Fprintf(&sst, `<si><t xml:space="preserve">%s</t></si>`, xmlEscape(s))
	}
	sst.WriteString(`</sst>`)
	return zipFiles([][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
		{"xl/sharedStrings.xml", sst.String()},
	}, false)
}

// odt returns a minimal OpenDocument text with one paragraph per string,
// each cut into spans at random places (inside numbers too), with the
// spaces OpenDocument writes as <text:s/> elements now and then.
func (g *Generator) odt(paras []string) []byte {
	var c strings.Builder
	c.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	c.WriteString(`<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:text>`)
	for _, p := range paras {
		c.WriteString("<text:p>")
		rs := []rune(p)
		for len(rs) > 0 {
			n := len(rs)
			if n > 2 && g.r.IntN(2) == 0 {
				n = 1 + g.r.IntN(n-1)
			}
			var chunk strings.Builder
			for _, r := range rs[:n] {
				if r == ' ' && g.r.IntN(3) == 0 {
					chunk.WriteString("<text:s/>")
					continue
				}
				chunk.WriteString(xmlEscape(string(r)))
			}
			if g.r.IntN(2) == 0 {
				c.WriteString(`<text:span text:style-name="T1">` + chunk.String() + `</text:span>`)
			} else {
				c.WriteString(chunk.String())
			}
			rs = rs[n:]
		}
		c.WriteString("</text:p>")
	}
	c.WriteString(`</office:text></office:body></office:document-content>`)
	return zipFiles([][2]string{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`},
		{"content.xml", c.String()},
	}, true)
}
