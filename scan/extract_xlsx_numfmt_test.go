package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// TestCellText shows cells as Excel does, with the digits the file holds.
// Values are test numbers; failures name only their last four.
func TestCellText(t *testing.T) {
	cases := []struct {
		name, typ, value, format, want string
	}{
		{"amex in exponent form", "", "3.78282246310005E14", "General", "378282246310005"},
		{"visa in exponent form", "", "4.111111111111111E15", "General", "4111111111111111"},
		{"lower-case exponent with sign", "", "4.111111111111111e+15", "General", "4111111111111111"},
		{"trailing .0", "", "4222222222222.0", "General", "4222222222222"},
		{"exponent of a rounded literal pads its zeros", "", "4.11111E+15", "General", "4111110000000000"},
		{"fraction stays", "", "0.000123", "General", "0.000123"},
		{"huge stays scientific", "", "1.5E+40", "General", "1.5E+40"},
		{"not a number", "", "1e99999", "General", "1e99999"},
		{"ssn lost its leading zero", "", "78051123", "000-00-0000", "078-05-1123"},
		{"ssn with spaces", "", "78051123", "000 00 0000", "078 05 1123"},
		{"ssn with a label", "", "78051123", `"SSN: "000-00-0000`, "SSN: 078-05-1123"},
		{"ssn escaped dashes", "", "489368350", `000\-00\-0000`, "489-36-8350"},
		{"card in groups", "", "4111111111111111", "0000 0000 0000 0000", "4111 1111 1111 1111"},
		{"card in groups from exponent form", "", "4.111111111111111E15", "0000 0000 0000 0000", "4111 1111 1111 1111"},
		{"text format shows a number as General", "", "4.111111111111111E15", "@", "4111111111111111"},
		{"text format on a string", "inlineStr", "078-05-1123", "@", "078-05-1123"},
		{"text section with literals", "str", "4111", `0;-0;0;"last four "@`, "last four 4111"},
		{"hidden text is read", "inlineStr", "4111 1111 1111 1111", ";;;", "4111 1111 1111 1111"},
		{"number format on a string is ignored", "inlineStr", "4111 1111", "000-00-0000", "4111 1111"},
		{"thousands hide a card: formula bar value", "", "5555555555554444", "#,##0", "5555555555554444"},
		{"thousands on a small number", "", "1234567", "#,##0", "1,234,567"},
		{"thousands and decimals", "", "1234.5", "#,##0.00", "1,234.50"},
		{"scaling by a thousand", "", "1234567", "#,##0,", "1,235"},
		{"currency", "", "-1234.5", `[$$-409]#,##0.00;[Red]([$$-409]#,##0.00)`, "($1,234.50)"},
		{"percent", "", "0.5", "0%", "50%"},
		{"scientific hides a card: formula bar value", "", "4111111111111111", "0.00E+00", "4111111111111111"},
		{"scientific small number", "", "12345", "0.00E+00", "1.23E+04"},
		{"engineering", "", "12345.678", "##0.0E+0", "12.3E+3"},
		{"hidden value", "", "4111111111111111", ";;;", "4111111111111111"},
		{"hidden small value", "", "5", ";;;", ""},
		{"negative section", "", "-5", "0;(0)", "(5)"},
		{"zero section", "", "0", `0;-0;"none"`, "none"},
		{"rounding", "", "2.5", "0", "3"},
		{"optional decimals", "", "2.5", "0.##", "2.5"},
		{"long integer", "", "123456789012", "0", "123456789012"},
		{"date", "", "45000", "mm-dd-yy", "2023-03-15"},
		{"date and time", "", "45000.5", "m/d/yy h:mm", "2023-03-15 12:00:00"},
		{"card under a date format", "", "4.111111111111111E15", "mm-dd-yy", "4111111111111111"},
		{"fraction", "", "1.5", "# ?/?", "1.5"},
		{"boolean", "b", "1", "General", "TRUE"},
		{"error", "e", "#N/A", "General", "#N/A"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := cellText(tc.typ, tc.value, nil, nil, compileNumFmt(tc.format))
			if got != tc.want {
				t.Errorf("shown %q, want %q", maskForTest(got), maskForTest(tc.want))
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

// BenchmarkXLSXNumbers reads a 10,000-cell sheet of formatted numbers.
func BenchmarkXLSXNumbers(b *testing.B) {
	var rows strings.Builder
	for i := 0; i < 2000; i++ {
		rows.WriteString(`<row><c s="1"><v>78051123</v></c><c><v>3.78282246310005E14</v></c><c s="2"><v>4.111111111111111E15</v></c><c s="3"><v>1234.5</v></c><c s="4"><v>45000.25</v></c></row>`)
	}
	xlsx := testdoc.Zip(b, contentTypes(),
		testdoc.ZipFile{Name: "xl/styles.xml", Data: []byte(`<styleSheet ` + xNS + `><numFmts><numFmt numFmtId="164" formatCode="000-00-0000"/><numFmt numFmtId="165" formatCode="0000 0000 0000 0000"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="4"/><xf numFmtId="22"/></cellXfs></styleSheet>`)},
		testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData>` + rows.String() + `</sheetData></worksheet>`)})
	b.SetBytes(int64(len(xlsx)))
	for b.Loop() {
		if _, err := officeText(newAccount(context.Background(), DefaultLimits()), formatXLSX, xlsx); err != nil {
			b.Fatal(err)
		}
	}
}
