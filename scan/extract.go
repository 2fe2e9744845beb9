package scan

// This file is the contract between the MIME walk and the format extractors.
// The stubs below are replaced by the real extractors.

// format is what a part's bytes are, decided from its bytes first and its
// declared type and file name second (a sender's label is a hint, not a law).
type format int

const (
	formatUnknown         format = iota // binary we have no text for: unscannable no_text
	formatText                          // text/* other than the ones below, CSV, JSON, XML...
	formatHTML                          // text/html, application/xhtml+xml
	formatCalendar                      // text/calendar, text/vcard: folded lines
	formatMessage                       // message/rfc822, .eml: walked as a nested message
	formatPDF                           // application/pdf
	formatDOCX                          // Office Open XML word processing
	formatXLSX                          // Office Open XML spreadsheet
	formatPPTX                          // Office Open XML presentation
	formatODF                           // OpenDocument text, spreadsheet, presentation
	formatZip                           // any other zip
	formatGzip                          // gzip
	formatImage                         // image/*: OCR when enabled, else no_text
	formatEncryptedOffice               // OLE compound file with EncryptionInfo: password-protected Office
	formatUnsupported                   // legacy .doc/.xls, rar, 7z, tar...: we know it and cannot read it
)

// archiveEntry is one file out of a zip or gzip; Err set means this entry
// alone is unscannable (an encrypted entry does not spoil its neighbours).
type archiveEntry struct {
	Name string
	Data []byte
	Err  error
}

// classify decides the format of a part.
func classify(contentType, filename string, data []byte) format { return formatUnknown }

// pdfText returns the text layer of a PDF.
func pdfText(b *budget, data []byte) (string, error) {
	return "", unscannable(ReasonUnsupported, "pdf")
}

// officeText returns the text of a DOCX, XLSX, PPTX or ODF document.
func officeText(b *budget, f format, data []byte) (string, error) {
	return "", unscannable(ReasonUnsupported, "office")
}

// zipEntries expands a zip archive within the budget.
func zipEntries(b *budget, data []byte) ([]archiveEntry, error) {
	return nil, unscannable(ReasonUnsupported, "zip")
}

// gzipEntry expands a gzip stream within the budget.
func gzipEntry(b *budget, name string, data []byte) (archiveEntry, error) {
	return archiveEntry{}, unscannable(ReasonUnsupported, "gzip")
}

// unfoldCalendar undoes RFC 5545/6350 line folding and text escapes so a
// number folded across lines is whole again.
func unfoldCalendar(text string) string { return text }

// ocrText runs tesseract on an image when Limits.OCR is set and it is installed.
func ocrText(b *budget, data []byte) (string, error) { return "", unscannable(ReasonNoText, "image") }
