// Package scan finds US Social Security numbers (and ITINs) and payment card
// numbers in mail, masks them, and reports every part it could not read with
// confidence so that callers can withhold it (fail closed).
//
// It is pure: it reads the bytes it is given and nothing else, and it imports
// nothing of intake's but its own internal packages. It has three layers:
// the detectors find numbers in text, the walk takes a message apart into
// the texts a person sees, and the readers extract those texts from the
// hostile formats inside it.
//
// Detect, on any text: detect.go finds the candidates (digits.go, runs.go),
// ssn.go and pan.go decide them, keywords.go gives an SSN its context and
// tabs.go joins a number split across table cells; mask.go hides what was
// found.
//
// Walk, a whole RFC 5322 message: walk.go goes down the MIME tree, decoding
// transfer encodings (transfer.go), header words and parameters (mime_*.go),
// charsets (internal/charset), HTML (html.go) and calendars
// (extract_calendar.go), and scans every view a person could have of a part
// (walk_*.go: escaped, base64 and flowed text, data: URIs, ambiguous headers,
// file names; sniff_signature.go tells a signature from content). Limits
// bound one message and SharedBudget the whole process (limits.go,
// budget*.go); internal/budget is the account every reader draws on, and the
// reasons a part is unscannable.
//
// Extract, the hostile formats: extract_classify.go decides what a part's
// bytes are, and extract.go hands a document to its reader. Each reader is a
// package of its own that asks the walk, through an Env, for what it cannot
// decide alone; extract_<format>.go is the walk's side of it:
//
//	internal/pdf      PDF text, forms and annotations; the images pages draw
//	internal/office   DOCX, XLSX, PPTX, OpenDocument; embedded objects
//	internal/rtf      RTF as Word writes it: run groups, escapes, pictures
//	internal/tnef     winmail.dat: its bodies and files, walked as an archive
//	internal/archive  zip and gzip, whose entries are walked as parts
//	internal/ocr      tesseract, the headers of pictures, what OCR printed
//
// Stream, for `intake scan` over large files: stream.go reads a message
// whose one body is plain text through a bounded window, and
// detect_stream.go runs the detector's loop over it, finding exactly what
// it finds in the whole text.
//
// The image policy (image*.go) decides for every image, wherever it sits,
// whether it is under the size floor, read by OCR or withheld.
//
// For the tests: internal/testdoc builds the files they feed the readers;
// internal/mailgen, corpus and baseline generate labelled mail and measure
// the detector against a naive one; internal/numrules holds the published
// number rules those tools share.
package scan
