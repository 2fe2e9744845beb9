package mailgen

import (
	"bytes"

	"github.com/go-pdf/fpdf"
)

// pdf returns a one-page PDF with the lines as text, compressed, with
// fixed dates so the output depends on the seed only. Lines are wrapped
// to a random width, as a member's word processor would.
func (g *Generator) pdf(lines []string) []byte {
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCreationDate(fixedTime)
	doc.SetModificationDate(fixedTime)
	doc.SetCatalogSort(true)
	doc.SetCompression(true)
	doc.AddPage()
	doc.SetFont("Helvetica", "", 11)
	tr := doc.UnicodeTranslatorFromDescriptor("") // UTF-8 to Windows-1252
	width := float64(70 + g.r.IntN(110))
	for _, l := range lines {
		doc.MultiCell(width, 6, tr(l), "", "L", false)
	}
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		panic("mailgen: pdf in memory: " + err.Error()) // only on a bad font or page, never on text
	}
	return buf.Bytes()
}
