package pdf

import "github.com/intake-mail/intake/scan/internal/budget"

// What the tests (package pdf_test, which reads documents through the
// scanner's own detector) see of the reader's insides.

// Window and MaxToken are the content window's size and the longest token
// it grows to hold.
const (
	Window   = pdfWindow
	MaxToken = pdfMaxToken
)

// RethrowPanics lets the fuzz tests see the panics Text would otherwise
// turn into parse errors.
func RethrowPanics(on bool) { rethrowExtractPanics = on }

// ImageFile makes the picture OCR would read of an image whose dictionary
// is dictSrc and whose stream data is data, as imageFile does for an image
// XObject; ok is false when dictSrc is no dictionary.
func ImageFile(b *budget.Budget, dictSrc string, data []byte) (out []byte, ok bool, err error) {
	lx := pdfLexer{data: []byte(dictSrc)}
	dict, _ := lx.object(0).(pdfDict)
	if dict == nil {
		return nil, false, nil
	}
	d := &pdfDoc{b: b, data: data, decoded: map[*pdfStream][]byte{}}
	out, err = d.imageFile(dict, &pdfStream{dict: dict, src: data, end: len(data)}, nil)
	return out, true, err
}
