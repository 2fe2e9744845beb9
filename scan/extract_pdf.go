package scan

// pdfText returns the text layer of a PDF.
func pdfText(b *budget, data []byte) (string, error) {
	return "", unscannable(ReasonUnsupported, "pdf")
}
