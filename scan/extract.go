package scan

// This file is the contract between the MIME walk and the format readers:
// the format a part is read as. The readers live in extract_*.go and in
// scan/internal (archive: zip and gzip), one format each.

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
	formatImage                         // image/*: the image policy (image.go)
	formatEncryptedOffice               // OLE compound file with EncryptionInfo: password-protected Office
	formatUnsupported                   // legacy .doc/.xls, rar, 7z, tar...: we know it and cannot read it
)

// String names a format for logs and test failures.
func (f format) String() string {
	switch f {
	case formatText:
		return "text"
	case formatHTML:
		return "html"
	case formatCalendar:
		return "calendar"
	case formatMessage:
		return "message"
	case formatPDF:
		return "pdf"
	case formatDOCX:
		return "docx"
	case formatXLSX:
		return "xlsx"
	case formatPPTX:
		return "pptx"
	case formatODF:
		return "odf"
	case formatZip:
		return "zip"
	case formatGzip:
		return "gzip"
	case formatImage:
		return "image"
	case formatEncryptedOffice:
		return "encrypted_office"
	case formatUnsupported:
		return "unsupported"
	}
	return "unknown"
}
