package mailgen

import (
	"bytes"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
)

// pdf returns a one-page PDF with the lines as text, compressed, with
// fixed dates so the output depends on the seed only. Lines are wrapped
// to a random width, as a member's word processor would; shown is the
// text of each line as drawn.
func (g *Generator) pdf(lines []string) (doc []byte, shown []string) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(fixedTime)
	pdf.SetModificationDate(fixedTime)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 11)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // UTF-8 to Windows-1252
	back := charmap.Windows1252.NewDecoder()
	width := float64(70 + g.r.IntN(110))
	for _, l := range lines {
		for _, part := range wrapText(pdf, tr(l), width) {
			pdf.CellFormat(width, 6, part, "", 1, "L", false, 0, "")
			s, _ := back.String(part)
			shown = append(shown, s)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		panic("mailgen: pdf in memory: " + err.Error()) // only on a bad font or page, never on text
	}
	return buf.Bytes(), shown
}

// wrapText cuts a Windows-1252 line at spaces to fit width, as a word
// processor fills lines. (fpdf's SplitText reads its input as UTF-8.)
func wrapText(pdf *fpdf.Fpdf, line string, width float64) []string {
	var out []string
	cur := ""
	for _, w := range strings.Split(line, " ") {
		switch {
		case cur == "":
			cur = w
		case pdf.GetStringWidth(cur+" "+w) <= width-2:
			cur += " " + w
		default:
			out = append(out, cur)
			cur = w
		}
	}
	return append(out, cur)
}
