package scan

import (
	"context"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// TestScanOfficeAttachments: through the whole walk, a workbook's numbers
// are found as Excel shows them, a document's embedded OLE object makes
// it unscannable instead of clean, and no kept text holds a full number.
func TestScanOfficeAttachments(t *testing.T) {
	xlsx := testdoc.Zip(t, contentTypes(),
		testdoc.ZipFile{Name: "xl/styles.xml", Data: []byte(`<styleSheet ` + xNS + `><numFmts><numFmt numFmtId="164" formatCode="000-00-0000"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>`)},
		testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData><row><c t="inlineStr"><is><t>SSN</t></is></c><c s="1"><v>78051123</v></c><c><v>3.78282246310005E14</v></c></row></sheetData></worksheet>`)})
	docx := docxWith(t, para("see the object"), testdoc.ZipFile{Name: "word/embeddings/oleObject1.bin", Data: oleObject()})
	attach := func(name string, data []byte) string {
		return "Content-Type: application/octet-stream; name=" + name + "\r\nContent-Disposition: attachment; filename=" + name + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + string(b64(data))
	}
	raw := msg("Content-Type: multipart/mixed; boundary=b\r\n", []byte("--b\r\nContent-Type: text/plain\r\n\r\nattached\r\n--b\r\n"+
		attach("book.xlsx", xlsx)+"\r\n--b\r\n"+attach("letter.docx", docx)+"\r\n--b--\r\n"))
	res, err := New(DefaultLimits()).Scan(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	want := "attachment:book.xlsx=pan:0005 attachment:book.xlsx=ssn:1123 attachment:letter.docx!unsupported"
	if got := summary(res); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	for _, p := range res.Parts {
		for _, digits := range []string{"78051123", "051123", "378282246310005"} {
			if strings.Contains(p.Text, digits) {
				t.Errorf("%s keeps digits ending %s", p.Where, last4(digits))
			}
		}
	}
}

const (
	wpNS  = `xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"`
	odfNS = oNS + ` xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:form="urn:oasis:names:tc:opendocument:xmlns:form:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"`
)

// docxWith is a document whose body is body, plus extra parts.
func docxWith(t testing.TB, body string, extra ...testdoc.ZipFile) []byte {
	files := []testdoc.ZipFile{contentTypes(), {Name: "word/document.xml", Data: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + wNS + ` ` + wpNS + `><w:body>` + body + `</w:body></w:document>`)}}
	return testdoc.Zip(t, append(files, extra...)...)
}

func pptxWith(t testing.TB, slide string, extra ...testdoc.ZipFile) []byte {
	files := []testdoc.ZipFile{contentTypes(), {Name: "ppt/slides/slide1.xml", Data: []byte(`<p:sld ` + aNS + `><p:cSld><p:spTree>` + slide + `</p:spTree></p:cSld></p:sld>`)}}
	return testdoc.Zip(t, append(files, extra...)...)
}

func odfWith(t testing.TB, mime, body string, extra ...testdoc.ZipFile) []byte {
	files := []testdoc.ZipFile{
		{Name: "mimetype", Data: []byte(mime), Store: true},
		{Name: "content.xml", Data: []byte(`<office:document-content ` + odfNS + `><office:body>` + body + `</office:body></office:document-content>`)},
	}
	return testdoc.Zip(t, append(files, extra...)...)
}

// oleObject is the start of an OLE compound file, as Office stores an
// embedded legacy object (oleObject1.bin, an .xls, a macro project).
func oleObject() []byte {
	return append(append([]byte(nil), magicOLE...), make([]byte, 504)...)
}

func para(text string) string { return `<w:p><w:r><w:t>` + text + `</w:t></w:r></w:p>` }

type officeCase struct {
	name   string
	f      format
	data   []byte
	want   []string // "pan:1111", "ssn:1123": kind and last four the detector must find
	reason string
}

func runOfficeCases(t *testing.T, cases []officeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newAccount(context.Background(), DefaultLimits())
			text, err := officeText(b, tc.f, tc.data)
			err = docVerdict(b, err)
			if got := reasonOrEmpty(err); got != tc.reason {
				t.Errorf("reason %q (%v), want %q", got, err, tc.reason)
			}
			found := map[string]bool{}
			for _, m := range Detect([]byte(text)) {
				found[string(m.Kind)+":"+m.Last4] = true
			}
			for _, w := range tc.want {
				if !found[w] {
					t.Errorf("no %s found in %q", w, maskForTest(text))
				}
			}
		})
	}
}

// TestOfficeVisibleText: text a person can see in a document, or that
// ships in the file, is read wherever Word, PowerPoint or an OpenDocument
// producer keeps it.
func TestOfficeVisibleText(t *testing.T) {
	drawing := func(docPr, cNvPr string) string {
		return `<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" ` + docPr + `/><a:graphic><a:graphicData><pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="scan.png" ` + cNvPr + `/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rId5"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`
	}
	// A 16 x 16 picture: under the image floor, no verdict of its own.
	image := testdoc.ZipFile{Name: "word/media/image1.png", Data: solidPNG(t, 16, 16, color.Black)}
	sdt := func(pr, content string) string {
		return `<w:sdt><w:sdtPr>` + pr + `</w:sdtPr><w:sdtContent>` + content + `</w:sdtContent></w:sdt>`
	}
	cases := []officeCase{
		{name: "docx picture alt text", f: formatDOCX, data: docxWith(t, para("see picture")+drawing(`descr="Card 4111 1111 1111 1111"`, ""), image), want: []string{"pan:1111"}},
		{name: "docx picture title", f: formatDOCX, data: docxWith(t, para("see picture")+drawing(`title="SSN 078-05-1123"`, ""), image), want: []string{"ssn:1123"}},
		{name: "docx pic:cNvPr alt text", f: formatDOCX, data: docxWith(t, para("see picture")+drawing("", `descr="5555 5555 5555 4444"`), image), want: []string{"pan:4444"}},
		{name: "docx of a photo and alt text: the photo is withheld", f: formatDOCX, data: docxWith(t, drawing(`descr="Card 4111 1111 1111 1111"`, ""),
			testdoc.ZipFile{Name: "word/media/image1.png", Data: solidPNG(t, 300, 200, color.White)}), want: []string{"pan:1111"}, reason: ReasonNoText},
		{name: "docx alt text does not split the paragraph", f: formatDOCX, data: docxWith(t,
			`<w:p><w:r><w:t>Card 4111 1111 </w:t></w:r><w:r><w:drawing><wp:inline><wp:docPr id="1" name="p" descr="logo"/></wp:inline></w:drawing></w:r><w:r><w:t>1111 1111</w:t></w:r></w:p>`, image), want: []string{"pan:1111"}},
		{name: "docx content control alias", f: formatDOCX, data: docxWith(t, sdt(`<w:alias w:val="SSN 489-36-8350"/><w:tag w:val="field1"/>`, para("x"))), want: []string{"ssn:8350"}},
		{name: "docx content control tag", f: formatDOCX, data: docxWith(t, sdt(`<w:tag w:val="card 378282246310005"/>`, para("x"))), want: []string{"pan:0005"}},
		{name: "docx content control placeholder", f: formatDOCX, data: docxWith(t, sdt(`<w:placeholder><w:docPart w:val="SSN 489-36-8350"/></w:placeholder><w:showingPlcHdr/>`, para("Click here"))), want: []string{"ssn:8350"}},
		{name: "docx content control list item", f: formatDOCX, data: docxWith(t, sdt(`<w:dropDownList><w:listItem w:displayText="4012 8888 8888 1881" w:value="1"/></w:dropDownList>`, para("choose"))), want: []string{"pan:1881"}},
		{name: "docx content control content", f: formatDOCX, data: docxWith(t, sdt(`<w:alias w:val="Card"/>`, para("6011 1111 1111 1117"))), want: []string{"pan:1117"}},
		{name: "docx custom XML part", f: formatDOCX, data: docxWith(t, sdt(`<w:dataBinding w:xpath="/root/ssn" w:storeItemID="{1}"/>`, para("bound")),
			testdoc.ZipFile{Name: "customXml/item1.xml", Data: []byte(`<?xml version="1.0"?><root xmlns="urn:x"><ssn>078-05-1123</ssn><card>4111111111111111</card></root>`)},
			testdoc.ZipFile{Name: "customXml/itemProps1.xml", Data: []byte(`<ds:datastoreItem ds:itemID="{1}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"/>`)},
			testdoc.ZipFile{Name: "customXml/_rels/item1.xml.rels", Data: []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`)},
		), want: []string{"ssn:1123", "pan:1111"}},
		{name: "docx custom XML attribute", f: formatDOCX, data: docxWith(t, para("x"),
			testdoc.ZipFile{Name: "customXml/item2.xml", Data: []byte(`<member card="5555555555554444" name="A"/>`)}), want: []string{"pan:4444"}},
		{name: "docx hyperlink target", f: formatDOCX, data: docxWith(t, `<w:p><w:hyperlink r:id="rId9"><w:r><w:t>pay here</w:t></w:r></w:hyperlink></w:p>`,
			testdoc.ZipFile{Name: "word/_rels/document.xml.rels", Data: []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://pay.example/form?card=4111%201111%201111%201111" TargetMode="External"/><Relationship Id="rId1" Type="x" Target="styles.xml"/></Relationships>`)}), want: []string{"pan:1111"}},
		{name: "docx hyperlink tooltip", f: formatDOCX, data: docxWith(t, `<w:p><w:hyperlink w:anchor="a" w:tooltip="Card 5555 5555 5555 4444"><w:r><w:t>hover</w:t></w:r></w:hyperlink></w:p>`), want: []string{"pan:4444"}},
		{name: "docx VML alt text", f: formatDOCX, data: docxWith(t, `<w:p><w:r><w:pict><v:shape id="s1" alt="SSN 489-36-8350"><v:imagedata r:id="rId1" o:title="Card 4012 8888 8888 1881"/></v:shape></w:pict></w:r></w:p>`), want: []string{"ssn:8350", "pan:1881"}},
		{name: "docx WordArt", f: formatDOCX, data: docxWith(t, `<w:p><w:r><w:pict><v:shape><v:textpath string="4111 1111 1111 1111"/></v:shape></w:pict></w:r></w:p>`), want: []string{"pan:1111"}},
		{name: "docx legacy form field default", f: formatDOCX, data: docxWith(t, `<w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Text1"/><w:statusText w:type="text" w:val="SSN 078-05-1123"/><w:textInput><w:default w:val="378282246310005"/></w:textInput></w:ffData></w:fldChar></w:r></w:p>`), want: []string{"pan:0005", "ssn:1123"}},
		{name: "docx document variable", f: formatDOCX, data: docxWith(t, para("x"),
			testdoc.ZipFile{Name: "word/settings.xml", Data: []byte(`<w:settings ` + wNS + `><w:docVars><w:docVar w:name="ssn" w:val="078-05-1123"/></w:docVars></w:settings>`)}), want: []string{"ssn:1123"}},
		{name: "docx chart value in exponent form", f: formatDOCX, data: docxWith(t, para("chart"),
			testdoc.ZipFile{Name: "word/charts/chart1.xml", Data: []byte(`<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:numCache><c:pt idx="0"><c:v>4.111111111111111E15</c:v></c:pt></c:numCache><c:strCache><c:pt idx="0"><c:v>078051123</c:v></c:pt></c:strCache></c:chartSpace>`)}), want: []string{"pan:1111"}},
		{name: "docx comments, notes, headers, footers, text boxes", f: formatDOCX, data: docxWith(t,
			`<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>`+para("box 4111 1111 1111 1111")+`</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>`,
			testdoc.ZipFile{Name: "word/comments.xml", Data: []byte(`<w:comments ` + wNS + `><w:comment>` + para("SSN 489-36-8350") + `</w:comment></w:comments>`)},
			testdoc.ZipFile{Name: "word/endnotes.xml", Data: []byte(`<w:endnotes ` + wNS + `><w:endnote>` + para("5555 5555 5555 4444") + `</w:endnote></w:endnotes>`)},
			testdoc.ZipFile{Name: "word/footer2.xml", Data: []byte(`<w:ftr ` + wNS + `>` + para("378282246310005") + `</w:ftr>`)},
		), want: []string{"pan:1111", "ssn:8350", "pan:4444", "pan:0005"}},
		{name: "docx legacy VML drawing part", f: formatDOCX, data: docxWith(t, para("x"),
			testdoc.ZipFile{Name: "word/vmlDrawing1.vml", Data: []byte(`<xml xmlns:v="urn:schemas-microsoft-com:vml"><v:shape><v:textbox><div>Card 4111 1111 1111 1111<br></div></v:textbox></v:shape></xml>`)}), want: []string{"pan:1111"}},

		{name: "pptx picture alt text", f: formatPPTX, data: pptxWith(t, `<p:pic><p:nvPicPr><p:cNvPr id="4" name="Picture 3" descr="card 5555 5555 5555 4444" title="SSN 489-36-8350"/></p:nvPicPr></p:pic>`), want: []string{"pan:4444", "ssn:8350"}},
		{name: "pptx notes slide", f: formatPPTX, data: pptxWith(t, ``,
			testdoc.ZipFile{Name: "ppt/notesSlides/notesSlide1.xml", Data: []byte(`<p:notes ` + aNS + `><a:p><a:r><a:t>SSN ` + testSSN + `</a:t></a:r></a:p></p:notes>`)}), want: []string{"ssn:1123"}},
		{name: "pptx comment", f: formatPPTX, data: pptxWith(t, ``,
			testdoc.ZipFile{Name: "ppt/comments/comment1.xml", Data: []byte(`<p:cmLst ` + aNS + `><p:cm authorId="0"><p:text>card 378282246310005</p:text></p:cm></p:cmLst>`)}), want: []string{"pan:0005"}},

		{name: "odt frame title and description", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><text:p><draw:frame draw:name="Image1"><draw:image xlink:href="Pictures/1.png"/><svg:title>Card 4111 1111 1111 1111</svg:title><svg:desc>SSN 078-05-1123</svg:desc></draw:frame></text:p></office:text>`),
			want: []string{"pan:1111", "ssn:1123"}},
		{name: "odt annotation", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><text:p>x<office:annotation><dc:creator>A</dc:creator><text:p>card 378282246310005</text:p></office:annotation></text:p></office:text>`), want: []string{"pan:0005"}},
		{name: "odt hyperlink target", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><text:p><text:a xlink:type="simple" xlink:href="https://x.example/?ssn=489-36-8350">link</text:a></text:p></office:text>`), want: []string{"ssn:8350"}},
		{name: "odt form control value", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><office:forms><form:form><form:textarea form:id="c1" form:current-value="4012 8888 8888 1881"/></form:form></office:forms><text:p>x</text:p></office:text>`), want: []string{"pan:1881"}},
		{name: "odt user field value", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><text:user-field-decls><text:user-field-decl office:value-type="string" office:string-value="SSN 489-36-8350" text:name="ssn"/></text:user-field-decls><text:p>x</text:p></office:text>`), want: []string{"ssn:8350"}},
		{name: "ods number cell in scientific display", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.spreadsheet",
			`<office:spreadsheet><table:table><table:table-row><table:table-cell office:value-type="string"><text:p>Card</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="4111111111111111"><text:p>4.11111111111111E+015</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>`),
			want: []string{"pan:1111"}},
		{name: "ods number cell without text", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.spreadsheet",
			`<office:spreadsheet><table:table><table:table-row><table:table-cell office:value-type="float" office:value="5.555555555554444E15"/></table:table-row></table:table></office:spreadsheet>`),
			want: []string{"pan:4444"}},
	}
	runOfficeCases(t, cases)
}

// TestODSCellShownOnce: a cell's value and its rendered text are not both
// kept, so the masked SSN cannot be rebuilt from a second spelling.
func TestODSCellShownOnce(t *testing.T) {
	ods := odfWith(t, "application/vnd.oasis.opendocument.spreadsheet",
		`<office:spreadsheet><table:table><table:table-row><table:table-cell office:value-type="string"><text:p>SSN</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="78051123"><text:p>078-05-1123</text:p></table:table-cell><table:table-cell office:value-type="percentage" office:value="0.5"><text:p>50%</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>`)
	text, err := officeText(newAccount(context.Background(), DefaultLimits()), formatODF, ods)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "SSN\t078-05-1123\t50%\t") || strings.Contains(text, "78051123") {
		t.Errorf("cells not shown once as rendered: %q", maskForTest(text))
	}
}

// TestOfficeEmbedded: nothing inside a package is skipped without a
// decision. Nested packages, archives, PDFs and text are read; OLE
// objects, macro projects, ActiveX state and unknown binaries make the
// document unsupported, while the rest of it is still read.
func TestOfficeEmbedded(t *testing.T) {
	body := para("Card 4111 1111 1111 1111")
	inner := docxWith(t, para("SSN 489-36-8350"))
	innerXLSX := testdoc.Zip(t, contentTypes(),
		testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData><row><c><v>3.78282246310005E14</v></c></row></sheetData></worksheet>`)})
	deep := inner
	for i := 0; i <= maxEmbeddedDepth; i++ {
		deep = docxWith(t, para("level"), testdoc.ZipFile{Name: "word/embeddings/Microsoft_Word_Document.docx", Data: deep})
	}
	pdf := testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Lines: []string{"Card 5555 5555 5555 4444"}})
	cases := []officeCase{
		{name: "OLE object", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/embeddings/oleObject1.bin", Data: oleObject()}), want: []string{"pan:1111"}, reason: ReasonUnsupported},
		{name: "legacy workbook embedded", f: formatPPTX, data: pptxWith(t, `<p:sp><p:txBody><a:p><a:r><a:t>SSN 489-36-8350</a:t></a:r></a:p></p:txBody></p:sp>`,
			testdoc.ZipFile{Name: "ppt/embeddings/Microsoft_Excel_97-2003_Worksheet1.xls", Data: oleObject()}), want: []string{"ssn:8350"}, reason: ReasonUnsupported},
		{name: "macro project", f: formatXLSX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData><row><c t="inlineStr"><is><t>` + testCard + `</t></is></c></row></sheetData></worksheet>`)},
			testdoc.ZipFile{Name: "xl/vbaProject.bin", Data: oleObject()}), want: []string{"pan:1111"}, reason: ReasonUnsupported},
		{name: "ActiveX control state", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/activeX/activeX1.xml", Data: []byte(`<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" ax:classid="{8BD21D10-EC42-11CE-9E0D-00AA006002F3}"/>`)},
			testdoc.ZipFile{Name: "word/activeX/activeX1.bin", Data: []byte{0x10, 0x1d, 0xd2, 0x8b, 0x42, 0xec, 0xce, 0x11, 0, 0, 0, 0}}), want: []string{"pan:1111"}, reason: ReasonUnsupported},
		{name: "unknown binary", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "blob.dat", Data: []byte{0, 1, 2, 3, 0xff, 0xfe, 0x80, 0x81, 0, 0, 0, 9}}), want: []string{"pan:1111"}, reason: ReasonUnsupported},
		{name: "embedded docx", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/embeddings/Microsoft_Word_Document.docx", Data: inner}), want: []string{"pan:1111", "ssn:8350"}},
		{name: "embedded package under a .bin name", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/embeddings/oleObject2.bin", Data: inner}), want: []string{"ssn:8350"}},
		{name: "embedded workbook in a presentation", f: formatPPTX, data: pptxWith(t, ``,
			testdoc.ZipFile{Name: "ppt/embeddings/Microsoft_Excel_Worksheet1.xlsx", Data: innerXLSX}), want: []string{"pan:0005"}},
		{name: "embedded zip", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/embeddings/files.zip", Data: testdoc.Zip(t, testdoc.ZipFile{Name: "note.txt", Data: []byte("SSN " + testSSN)}, testdoc.ZipFile{Name: "in.docx", Data: inner})}),
			want: []string{"ssn:1123", "ssn:8350"}},
		{name: "embedded text", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/embeddings/notes.txt", Data: []byte("card 378282246310005\r\n")}), want: []string{"pan:0005"}},
		{name: "embedded PDF", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/embeddings/statement.pdf", Data: pdf}), want: []string{"pan:4444"}},
		{name: "encrypted embedded document", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/embeddings/Microsoft_Word_Document.docx", Data: append(oleObject(), asciiUTF16LE("EncryptionInfo")...)}),
			want: []string{"pan:1111"}, reason: ReasonEncrypted},
		{name: "too deep", f: formatDOCX, data: deep, reason: ReasonTooDeep},
		{name: "icons, fonts, thumbnails and printer settings are no verdict", f: formatDOCX, data: docxWith(t, body,
			testdoc.ZipFile{Name: "word/media/image1.png", Data: solidPNG(t, 16, 16, color.Black)},
			testdoc.ZipFile{Name: "word/fonts/font1.odttf", Data: []byte{0, 1, 0, 0, 0x80}},
			testdoc.ZipFile{Name: "docProps/thumbnail.jpeg", Data: []byte{0xff, 0xd8, 0xff, 0}},
			testdoc.ZipFile{Name: "word/printerSettings/printerSettings1.bin", Data: []byte{0, 0, 0x80}}), want: []string{"pan:1111"}},
		{name: "workbook printer settings", f: formatXLSX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData/></worksheet>`)},
			testdoc.ZipFile{Name: "xl/printerSettings/printerSettings1.bin", Data: []byte{0, 0, 0x80}})},
		{name: "odt embedded OLE object", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><text:p>Card 4111 1111 1111 1111</text:p></office:text>`,
			testdoc.ZipFile{Name: "Object 1", Data: oleObject()},
			testdoc.ZipFile{Name: "ObjectReplacements/Object 1", Data: []byte{0x56, 0x43, 0x4c, 0x4d, 0x54, 0x46, 0, 0}}), want: []string{"pan:1111"}, reason: ReasonUnsupported},
		{name: "odt embedded document", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><text:p>x</text:p></office:text>`,
			testdoc.ZipFile{Name: "Object 1/content.xml", Data: []byte(`<office:document-content ` + odfNS + `><office:body><text:p>card 378282246310005</text:p></office:body></office:document-content>`)},
			testdoc.ZipFile{Name: "Object 1/settings.xml", Data: []byte(`<office:document-settings ` + odfNS + `/>`)}), want: []string{"pan:0005"}},
		{name: "odt encrypted", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><text:p>x</text:p></office:text>`,
			testdoc.ZipFile{Name: "META-INF/manifest.xml", Data: []byte(`<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>`)}),
			reason: ReasonEncrypted},
		{name: "odt macro library", f: formatODF, data: odfWith(t, "application/vnd.oasis.opendocument.text",
			`<office:text><text:p>x</text:p></office:text>`,
			testdoc.ZipFile{Name: "Basic/Standard/Module1.xml", Data: []byte(`<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1">Sub Main
 card = &quot;4012 8888 8888 1881&quot;
End Sub</script:module>`)}), want: []string{"pan:1881"}},
	}
	runOfficeCases(t, cases)
}

// officePartsSeeds exercise number formats, attribute text, custom XML,
// relationship targets, OpenDocument value cells and embedded objects;
// index i%4 picks the format as FuzzExtractOffice does.
func officePartsSeeds(t testing.TB) [][]byte {
	styles := `<styleSheet ` + xNS + `><numFmts><numFmt numFmtId="164" formatCode="000-00-0000;(0);&quot;z&quot;;@"/><numFmt numFmtId="165" formatCode="#,##0.0#E+00%"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/></cellXfs></styleSheet>`
	return [][]byte{
		docxWith(t, `<w:sdt><w:sdtPr><w:alias w:val="a"/><w:tag w:val="1"/></w:sdtPr><w:sdtContent><w:p><w:r><w:drawing><wp:docPr descr="4111"/></w:drawing><w:t>x</w:t></w:r></w:p></w:sdtContent></w:sdt>`,
			testdoc.ZipFile{Name: "customXml/item1.xml", Data: []byte(`<r a="1"><s>2</s></r>`)},
			testdoc.ZipFile{Name: "word/_rels/document.xml.rels", Data: []byte(`<Relationships><Relationship Target="http://x/%34" TargetMode="External"/></Relationships>`)},
			testdoc.ZipFile{Name: "word/embeddings/oleObject1.bin", Data: oleObject()}),
		testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "xl/styles.xml", Data: []byte(styles)},
			testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet><sheetData><row><c s="1"><v>78051123</v></c><c s="2"><v>-1.5E-3</v></c><c s="3"><v>45000.25</v></c><c s="1" t="s"><v>0</v></c></row></sheetData><hyperlinks><hyperlink display="d" tooltip="t"/></hyperlinks></worksheet>`)},
			testdoc.ZipFile{Name: "xl/sharedStrings.xml", Data: []byte(`<sst><si><t>a</t></si></sst>`)}),
		pptxWith(t, `<p:pic><p:nvPicPr><p:cNvPr id="1" descr="d"/></p:nvPicPr></p:pic>`,
			testdoc.ZipFile{Name: "ppt/embeddings/Microsoft_Excel_Worksheet1.xlsx", Data: testdoc.Zip(t, contentTypes(), testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet><sheetData><row><c><v>3.7E14</v></c></row></sheetData></worksheet>`)})}),
		odfWith(t, "application/vnd.oasis.opendocument.spreadsheet",
			`<office:spreadsheet><table:table><table:table-row><table:table-cell office:value-type="float" office:value="4.1E15"><text:p>4</text:p><table:table><table:table-cell/></table:table></table:table-cell><table:table-cell office:string-value="s"/></table:table-row></table:table></office:spreadsheet>`,
			testdoc.ZipFile{Name: "Object 1", Data: []byte("text")}),
	}
}

// TestWriteOfficePartsFuzzSeeds adds officePartsSeeds to FuzzExtractOffice's
// committed corpus when INTAKE_WRITE_FUZZ_SEEDS is set.
func TestWriteOfficePartsFuzzSeeds(t *testing.T) {
	if os.Getenv("INTAKE_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set INTAKE_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz seeds")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzExtractOffice")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range officePartsSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\nbyte(%q)\n[]byte(%q)\n", rune(i), s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-parts-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOfficePartsSeeds runs the seeds through every format within the
// fuzz limits: no panic, the budget holds.
func TestOfficePartsSeeds(t *testing.T) {
	for _, s := range officePartsSeeds(t) {
		for _, f := range []format{formatDOCX, formatXLSX, formatPPTX, formatODF} {
			b := newAccount(context.Background(), fuzzLimits())
			text, _ := officeText(b, f, s)
			checkBudget(t, b, len(text))
		}
	}
}

// TestOfficeErrorsHideNames: an entry's name is the sender's; an error
// about it never carries a number.
func TestOfficeErrorsHideNames(t *testing.T) {
	docx := docxWith(t, para("x"), testdoc.ZipFile{Name: "word/embeddings/" + testCardDigits + ".bin", Data: oleObject()},
		testdoc.ZipFile{Name: "customXml/" + testCardDigits + ".xml", Data: []byte("<a>&bogus;</a>")})
	_, err := officeText(newAccount(context.Background(), DefaultLimits()), formatDOCX, docx)
	if err == nil || strings.Contains(err.Error(), "11111") {
		t.Errorf("error %q", maskForTest(fmt.Sprint(err)))
	}
}
