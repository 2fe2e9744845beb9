package office

import (
	"context"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/budget"
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
				t.Errorf("shown %q, want %q", testdoc.MaskForTest(got), testdoc.MaskForTest(tc.want))
			}
		})
	}
}

// BenchmarkXLSXNumbers reads a 10,000-cell sheet of formatted numbers.
func BenchmarkXLSXNumbers(b *testing.B) {
	var rows strings.Builder
	for i := 0; i < 2000; i++ {
		rows.WriteString(`<row><c s="1"><v>78051123</v></c><c><v>3.78282246310005E14</v></c><c s="2"><v>4.111111111111111E15</v></c><c s="3"><v>1234.5</v></c><c s="4"><v>45000.25</v></c></row>`)
	}
	xlsx := testdoc.Zip(b, testdoc.ContentTypes(),
		testdoc.ZipFile{Name: "xl/styles.xml", Data: []byte(`<styleSheet ` + testdoc.XNS + `><numFmts><numFmt numFmtId="164" formatCode="000-00-0000"/><numFmt numFmtId="165" formatCode="0000 0000 0000 0000"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="4"/><xf numFmtId="22"/></cellXfs></styleSheet>`)},
		testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet ` + testdoc.XNS + `><sheetData>` + rows.String() + `</sheetData></worksheet>`)})
	b.SetBytes(int64(len(xlsx)))
	for b.Loop() {
		if _, err := Text(budget.New(context.Background(), testdoc.Limits()), XLSX, xlsx, testEnv{}); err != nil {
			b.Fatal(err)
		}
	}
}
