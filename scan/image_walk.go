package scan

import "path"

// The walk's side of the image policy (image.go): an image that is a part
// of its own (attached, inline, a data: URI, a zip entry) and the images
// extractors met inside documents, each located, scanned and counted.

// imageNote is an image an extractor met inside a document: its name
// relative to the document ("image1.png", "page2-Im0") and the verdict.
type imageNote struct {
	name string
	read imageRead
}

// noteImage records an image met inside a document, for the walk.
func (b *account) noteImage(name string, r imageRead) {
	b.images = append(b.images, imageNote{name: name, read: r})
}

// nestImages renames the images noted since from as inside the embedded
// file named name (a PDF or a workbook inside a document).
func (b *account) nestImages(from int, name string) {
	for i := from; i < len(b.images); i++ {
		if b.images[i].name == "" {
			b.images[i].name = path.Base(name)
		} else {
			b.images[i].name = path.Base(name) + "/" + b.images[i].name
		}
	}
}

// takeImages returns the images noted since from and forgets them.
func (b *account) takeImages(from int) []imageNote {
	if from >= len(b.images) {
		return nil
	}
	notes := append([]imageNote(nil), b.images[from:]...)
	b.images = b.images[:from]
	return notes
}

// imagePart records an image that is a part of its own.
func (w *walker) imagePart(data []byte, m partMeta, loc string) {
	p := Part{Where: loc, ContentType: m.ctype, Filename: w.maskName(m.name, ""), Attachment: true}
	shown := map[findingKey]int{}
	fs, masked, err := w.imageVerdict(w.b.readImage(data), loc, shown)
	// Text in its metadata (PNG tEXt, EXIF comments, XMP) is there for
	// any viewer to show, whatever the pixels hold.
	p.Findings = append(fs, w.findOnly(data, loc, shown)...)
	switch {
	case err != nil:
		p.Withheld, p.Reason = true, reasonOf(err)
	case len(p.Findings) > 0:
		p.Withheld, p.Reason = true, "sensitive"
	}
	if w.s.keepText {
		p.Text = masked
		if !p.Withheld {
			p.Content = data
		}
	}
	w.addPart(p)
}

// imageVerdict scans what OCR read of an image located at loc, records it
// unscannable when the policy withholds it, and counts it. It returns the
// findings, the masked text and why the image is withheld (nil when it
// passes).
func (w *walker) imageVerdict(r imageRead, loc string, shown map[findingKey]int) ([]Finding, string, error) {
	var fs []Finding
	var masked string
	if r.outcome == imageOCRRead {
		var own []Finding
		masked, own = w.find([]byte(r.ocr.Text), loc)
		fs = append(fs, sameOnce(shown, own)...)
		if view := ocrDigitView(r.ocr.Text); view != nil {
			fs = append(fs, w.findOnly(view, loc, shown)...)
		}
	}
	if len(fs) > 0 && r.outcome == imageOCRRead {
		// What OCR was unsure of no longer matters: the number it did read
		// withholds the image.
		r.err = nil
	}
	c := &w.res.Images
	switch {
	case len(fs) > 0:
		c.OCRFound++
	case r.err != nil:
		c.Withheld++
	case r.outcome == imageBelowFloor:
		c.BelowFloor++
	default:
		c.OCRClean++
	}
	if r.err != nil {
		w.unscannable(loc, reasonOf(r.err))
	}
	return fs, masked, r.err
}

// documentImages locates, scans and counts the images an extractor met
// inside the document at loc, adding their findings to p and withholding
// p when one of them is withheld.
func (w *walker) documentImages(p *Part, notes []imageNote, loc string) {
	for _, n := range notes {
		iloc := loc + "/" + w.maskName(n.name, "")
		fs, _, err := w.imageVerdict(n.read, iloc, map[findingKey]int{})
		p.Findings = append(p.Findings, fs...)
		if err != nil && !p.Withheld {
			p.Withheld, p.Reason = true, reasonOf(err)
		}
	}
}
