package scan

import (
	"context"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// The Office XML the tests write (internal/testdoc), by shorter names.
const (
	wNS = testdoc.WNS
	aNS = testdoc.ANS
	xNS = testdoc.XNS
	oNS = testdoc.ONS
)

var (
	contentTypes = testdoc.ContentTypes
	wordDoc      = testdoc.WordDoc
)

func utf16leBOM(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func TestOfficeText(t *testing.T) {
	// The test card split across two formatting runs, as Word writes it
	// when one half is bold.
	splitRuns := `<w:p><w:r><w:t xml:space="preserve">Card 4111 11</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>11 1111 1111</w:t></w:r></w:p>`
	docx := testdoc.Zip(t, contentTypes(),
		testdoc.ZipFile{Name: "word/document.xml", Data: wordDoc(splitRuns +
			`<w:p><w:r><w:t>SSN</w:t></w:r><w:r><w:tab/><w:t>` + testSSN + `</w:t><w:br/><w:t>next line</w:t></w:r></w:p>` +
			`<w:p><w:del><w:r><w:delText>deleted 5555555555554444</w:delText></w:r></w:del></w:p>` +
			`<w:p><w:r><w:t>SSN 489</w:t><w:noBreakHyphen/><w:t>36</w:t><w:noBreakHyphen/><w:t>8350</w:t></w:r></w:p>`)},
		testdoc.ZipFile{Name: "word/header1.xml", Data: []byte(`<w:hdr ` + wNS + `><w:p><w:r><w:t>header text</w:t></w:r></w:p></w:hdr>`)},
		testdoc.ZipFile{Name: "word/footnotes.xml", Data: []byte(`<w:footnotes ` + wNS + `><w:footnote><w:p><w:r><w:t>footnote 378282246310005</w:t></w:r></w:p></w:footnote></w:footnotes>`)},
		testdoc.ZipFile{Name: "word/comments.xml", Data: []byte(`<w:comments ` + wNS + `><w:comment><w:p><w:r><w:t>comment 4012888888881881</w:t></w:r></w:p></w:comment></w:comments>`)},
		testdoc.ZipFile{Name: "word/styles.xml", Data: []byte(`<w:styles ` + wNS + `><w:style w:styleId="1234567890123456"/></w:styles>`)},
		testdoc.ZipFile{Name: "docProps/core.xml", Data: []byte(`<cp:coreProperties xmlns:cp="x" xmlns:dc="y"><dc:title>Title 489-36-8350</dc:title></cp:coreProperties>`)},
	)
	xlsx := testdoc.Zip(t, contentTypes(),
		testdoc.ZipFile{Name: "xl/workbook.xml", Data: []byte(`<workbook ` + xNS + `><sheets><sheet name="Cards 2024" sheetId="1"/></sheets></workbook>`)},
		testdoc.ZipFile{Name: "xl/sharedStrings.xml", Data: []byte(`<sst ` + xNS + `><si><t>Card</t></si><si><r><t>4111 1111 </t></r><r><t>1111 1111</t></r><rPh><t>ignored</t></rPh></si><si><t>orphan 489-36-8350</t></si></sst>`)},
		testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData>` +
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>SSN</t></is></c><c r="B2" t="str"><f>CONCAT("078-05-","1123")</f><v>` + testSSN + `</v></c></row>` +
			`<row r="3"><c r="A3"><v>5555555555554444</v></c></row>` +
			`</sheetData><headerFooter><oddHeader>Header 378282246310005</oddHeader></headerFooter></worksheet>`)},
		testdoc.ZipFile{Name: "xl/worksheets/sheet10.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData><row><c t="inlineStr"><is><t>tenth</t></is></c></row></sheetData></worksheet>`)},
		testdoc.ZipFile{Name: "xl/worksheets/sheet2.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData><row><c t="inlineStr"><is><t>second</t></is></c></row></sheetData></worksheet>`)},
	)
	pptx := testdoc.Zip(t, contentTypes(),
		testdoc.ZipFile{Name: "ppt/slides/slide1.xml", Data: []byte(`<p:sld ` + aNS + `><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Card 4111 1111</a:t></a:r><a:r><a:t> 1111 1111</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`)},
		testdoc.ZipFile{Name: "ppt/notesSlides/notesSlide1.xml", Data: []byte(`<p:notes ` + aNS + `><a:p><a:r><a:t>SSN ` + testSSN + `</a:t></a:r></a:p></p:notes>`)},
	)
	odt := testdoc.Zip(t,
		testdoc.ZipFile{Name: "mimetype", Data: []byte("application/vnd.oasis.opendocument.text"), Store: true},
		testdoc.ZipFile{Name: "content.xml", Data: []byte(`<office:document-content ` + oNS + `><office:body><office:text>` +
			`<text:p>Card 4111<text:s/>1111 <text:span>1111</text:span> 1111</text:p>` +
			`<text:p>SSN<text:tab/>` + testSSN + `<text:line-break/>x</text:p>` +
			`<table:table><table:table-row><table:table-cell><text:p>a</text:p></table:table-cell><table:table-cell><text:p>b</text:p></table:table-cell></table:table-row></table:table>` +
			`</office:text></office:body></office:document-content>`)},
		testdoc.ZipFile{Name: "styles.xml", Data: []byte(`<office:document-styles ` + oNS + `><office:master-styles><text:p>footer 378282246310005</text:p></office:master-styles></office:document-styles>`)},
	)
	embedded := testdoc.Zip(t, contentTypes(),
		testdoc.ZipFile{Name: "word/document.xml", Data: wordDoc(`<w:p><w:r><w:t>see chart</w:t></w:r></w:p>`)},
		testdoc.ZipFile{Name: "word/embeddings/Microsoft_Excel_Worksheet.xlsx", Data: xlsx},
	)

	cases := []struct {
		name   string
		f      format
		data   []byte
		lim    Limits
		want   []string
		absent []string
		reason string
	}{
		{name: "docx", f: formatDOCX, data: docx, want: []string{
			"Card " + testCard + "\n", "SSN " + testSSN + "\nnext line", "5555555555554444", "header text",
			"378282246310005", "4012888888881881", "Title 489-36-8350", "SSN 489-36-8350\n",
		}, absent: []string{"1234567890123456"}},
		{name: "docx in UTF-16", f: formatDOCX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "word/document.xml", Data: utf16leBOM(`<?xml version="1.0" encoding="UTF-16"?><w:document ` + wNS + `><w:body>` + splitRuns + `</w:body></w:document>`)},
		), want: []string{testCard}},
		{name: "xlsx", f: formatXLSX, data: xlsx, want: []string{
			"Card\t" + testCard + "\n", "SSN\t" + testSSN + "\n", "5555555555554444\n", "Header 378282246310005",
			"orphan 489-36-8350", "Cards 2024", "second\ntenth\n",
		}, absent: []string{"ignored", "CONCAT"}},
		{name: "pptx", f: formatPPTX, data: pptx, want: []string{"Card " + testCard, "SSN " + testSSN}},
		{name: "odt", f: formatODF, data: odt, want: []string{"Card " + testCard + "\n", "SSN " + testSSN + "\nx", "a\tb\t\n", "footer 378282246310005"}},
		{name: "embedded workbook", f: formatDOCX, data: embedded, want: []string{"see chart", "Card\t" + testCard}},
		{name: "encrypted part", f: formatDOCX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "word/document.xml", Data: wordDoc(splitRuns), Encrypted: true},
		), reason: ReasonEncrypted},
		{name: "only a picture", f: formatDOCX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "word/document.xml", Data: wordDoc(`<w:p><w:r><w:drawing/></w:r></w:p>`)},
			testdoc.ZipFile{Name: "word/media/image1.png", Data: []byte("\x89PNG\r\n\x1a\n....")},
		), reason: ReasonNoText},
		{name: "malformed xml", f: formatDOCX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "word/document.xml", Data: []byte(`<w:document ` + wNS + `><w:body><w:p><w:t>Card 4111 1111 1111 1111</w:t>&bogus;</w:p>`)},
		), want: []string{testCard}, reason: ReasonParseError},
		{name: "too many files", f: formatDOCX, data: docx, lim: limits(func(l *Limits) { l.MaxArchiveFiles = 2 }), reason: ReasonTooManyParts},
		{name: "part bomb", f: formatDOCX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "word/document.xml", Data: wordDoc(`<w:p><w:r><w:t>` + strings.Repeat(" ", 10<<20) + `</w:t></w:r></w:p>`)},
		), reason: ReasonArchiveBomb},
		{name: "binary workbook", f: formatXLSX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "xl/workbook.bin", Data: []byte{0x83, 0x01, 0x00}},
			testdoc.ZipFile{Name: "xl/worksheets/sheet1.bin", Data: []byte("4111111111111111")},
		), reason: ReasonUnsupported},
		{name: "main part under another name", f: formatDOCX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "word/document2.xml", Data: wordDoc(splitRuns)},
		), want: []string{testCard}},
		{name: "docx without a document part", f: formatDOCX, data: testdoc.Zip(t, contentTypes(),
			testdoc.ZipFile{Name: "word/document.bin", Data: []byte(testCardDigits)},
		), reason: ReasonUnsupported},
		{name: "not a zip", f: formatXLSX, data: []byte("not a zip"), reason: ReasonTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lim := tc.lim
			if lim == (Limits{}) {
				lim = DefaultLimits()
			}
			b := newAccount(context.Background(), lim)
			text, err := officeText(b, tc.f, tc.data)
			err = docVerdict(b, err)
			if got := reasonOrEmpty(err); got != tc.reason {
				t.Fatalf("reason %q (%v), want %q; text %d bytes", got, err, tc.reason, len(text))
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("text %q lacks a %d-byte value ending %q", maskForTest(text), len(w), last4(w))
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(text, a) {
					t.Errorf("text holds %d-byte value ending %q that is not document text", len(a), last4(a))
				}
			}
		})
	}
}

// TestXLSXNumbers reads a workbook whose numbers are stored as numbers, in
// the forms producers write them, with formats from styles.xml (custom and
// built-in ids), and checks the detector finds each one.
func TestXLSXNumbers(t *testing.T) {
	styles := `<styleSheet ` + xNS + `><numFmts count="2">` +
		`<numFmt numFmtId="164" formatCode="000\-00\-0000"/>` +
		`<numFmt numFmtId="165" formatCode="0000 0000 0000 0000"/></numFmts>` +
		`<cellStyleXfs count="1"><xf numFmtId="165"/></cellStyleXfs>` +
		`<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165"/><xf numFmtId="49"/><xf numFmtId="3"/></cellXfs>` +
		`<dxfs><dxf><numFmt numFmtId="164" formatCode="0"/></dxf></dxfs></styleSheet>`
	sheet := `<worksheet ` + xNS + `><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>SSN</t></is></c><c r="B1" s="1"><v>78051123</v></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>Amex</t></is></c><c r="B2"><v>3.78282246310005E14</v></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>Visa</t></is></c><c r="B3" s="2"><v>4.111111111111111E15</v></c></row>` +
		`<row r="4"><c r="A4" t="inlineStr"><is><t>Visa 13</t></is></c><c r="B4" t="n"><v>4222222222222.0</v></c></row>` +
		`<row r="5"><c r="A5" t="inlineStr"><is><t>MC</t></is></c><c r="B5" s="4"><v>5555555555554444</v></c></row>` +
		`<row r="6"><c r="A6" t="inlineStr"><is><t>Disc</t></is></c><c r="B6" s="3"><f>A1</f><v>6.011111111111117E15</v></c></row>` +
		`</sheetData></worksheet>`
	pivot := `<pivotCacheRecords ` + xNS + `><r><n v="4.012888888881881E15"/><s v="x"/></r></pivotCacheRecords>`
	chart := `<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:numCache><c:pt idx="0"><c:v>5.105105105105100E15</c:v></c:pt></c:numCache></c:chartSpace>`
	xlsx := testdoc.Zip(t, contentTypes(),
		testdoc.ZipFile{Name: "xl/workbook.xml", Data: []byte(`<workbook ` + xNS + `><sheets><sheet name="S" sheetId="1"/></sheets></workbook>`)},
		testdoc.ZipFile{Name: "xl/styles.xml", Data: []byte(styles)},
		testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(sheet)},
		testdoc.ZipFile{Name: "xl/pivotCache/pivotCacheRecords1.xml", Data: []byte(pivot)},
		testdoc.ZipFile{Name: "xl/charts/chart1.xml", Data: []byte(chart)},
	)
	text, err := officeText(newAccount(t.Context(), DefaultLimits()), formatXLSX, xlsx)
	if err != nil {
		t.Fatalf("officeText: %v", err)
	}
	found := map[string]string{}
	for _, m := range Detect([]byte(text)) {
		found[m.Last4] = string(m.Kind)
	}
	for _, w := range []struct{ last4, kind string }{
		{"1123", "ssn"}, {"0005", "pan"}, {"1111", "pan"}, {"2222", "pan"},
		{"4444", "pan"}, {"1117", "pan"}, {"1881", "pan"}, {"5100", "pan"},
	} {
		if found[w.last4] != w.kind {
			t.Errorf("no %s ending %s found in %q", w.kind, w.last4, maskForTest(text))
		}
	}
	// The SSN's stored form is not kept beside the shown one: a second,
	// unmasked spelling would let a reader rebuild the masked number.
	if strings.Contains(text, "78051123") {
		t.Errorf("the stored form of the SSN ending 1123 is in the text as well")
	}
	if !strings.Contains(text, "SSN\t078-05-1123\n") {
		t.Errorf("SSN cell not shown through its format: %q", maskForTest(text))
	}
}
