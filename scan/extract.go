package scan

// This file is the contract between the MIME walk and the readers of
// hostile formats: the format a part is read as (classify decides it,
// extract_classify.go), and the readers of documents. Each reader lives in
// a package of its own under scan/internal, drawing on the message's
// account (internal/budget) and asking the walk, through an Env of its
// own, for what it cannot decide alone: the images it meets go under the
// image policy (image.go), an embedded object is read by what its bytes
// are, the detector checks a layout. The walk's side of each is
// extract_<format>.go. Archives (internal/archive) are not documents:
// their entries are walked as parts (walk.go).

// documentReader turns a document's bytes into the text a person sees in
// it, drawing on b and noting on it the images it meets (which the walk
// then locates, scans and counts). With an error (made by
// budget.Unscannable, else a parse_error) the document is unscannable and
// the text read so far comes with it: a number in it is still a finding.
type documentReader func(b *account, data []byte) (string, error)

// documentReaders are the readers of the formats whose text is read.
var documentReaders = map[format]documentReader{
	formatPDF:  pdfText,
	formatDOCX: func(b *account, data []byte) (string, error) { return officeText(b, formatDOCX, data) },
	formatXLSX: func(b *account, data []byte) (string, error) { return officeText(b, formatXLSX, data) },
	formatPPTX: func(b *account, data []byte) (string, error) { return officeText(b, formatPPTX, data) },
	formatODF:  func(b *account, data []byte) (string, error) { return officeText(b, formatODF, data) },
	formatRTF:  rtfText,
}

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
	formatRTF                           // Rich Text Format, as Word, WordPad and Outlook write it
	formatTNEF                          // winmail.dat, application/ms-tnef: walked as an archive
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
	case formatRTF:
		return "rtf"
	case formatTNEF:
		return "tnef"
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
