package scan

import "github.com/intake-mail/intake/scan/internal/pdf"

// The walk's side of PDF documents (internal/pdf reads them): the reader
// checks its layout against the detector, asks what an attached file is,
// and puts the images it draws under the image policy.

// pdfText returns the text layer of a PDF (see pdf.Text) and notes the
// images it draws on b for the walk.
func pdfText(b *account, data []byte) (string, error) {
	return pdf.Text(b.Budget, data, pdfEnv{b})
}

// pdfEnv is what a PDF asks of the walk.
type pdfEnv struct{ b *account }

func (pdfEnv) Detect(text []byte) []pdf.Match {
	ms := Detect(text)
	if len(ms) == 0 {
		return nil
	}
	out := make([]pdf.Match, len(ms))
	for i, m := range ms {
		out[i] = pdf.Match{Kind: string(m.Kind), Last4: m.Last4, Start: m.Start, End: m.End}
	}
	return out
}

func (pdfEnv) KeywordWindow() int { return keywordWindow }

func (pdfEnv) Format(data []byte) string { return classify("", "", data).String() }

func (e pdfEnv) WantsImage(w, h int, sized bool) bool {
	return !(sized && belowImageFloor(w, h)) && e.b.lim.readsImages()
}

func (e pdfEnv) Image(name string, w, h int, sized bool, load func() ([]byte, error)) {
	e.b.noteImage(name, e.b.readImageSized(w, h, sized, load))
}
