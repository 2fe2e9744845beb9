package scan

import (
	"crypto/sha256"
	"fmt"

	"github.com/intake-mail/intake/scan/internal/ocr"
)

// One policy for every image, wherever it sits: attached, inline (cid:),
// a data: URI in HTML, a picture inside a DOCX, PPTX, XLSX or OpenDocument
// file, an image XObject or inline image of a PDF, an image in a zip.
//
//   - An image whose pixel size (read from its header) is under the floor
//     cannot hold a 9-digit number anyone could read: it passes unread
//     (logos, icons, bullets, spacers, tracking pixels). An image whose
//     header cannot be read is above the floor.
//   - Above it, with Images = ImagesWithhold, the image is withheld
//     (no_text), and so is the document that holds it, whose text is
//     still read and scanned.
//   - With Images = ImagesOCR it is read by tesseract: a number found is a
//     finding at the image's own location ("attachment:form.docx/image1.png");
//     an image in which OCR read text, found no number and nothing it was
//     unsure of, passes. One that OCR could not read, in which it read no
//     text at all, or whose reading it cannot vouch for (see ocrDoubt),
//     is withheld like any other.
//
// Tesseract, and the reading of image headers, are in internal/ocr; what
// OCR read is judged in image_ocrtext.go, and the walk's side (locating,
// scanning, counting) is image_walk.go.
//
// The floor and the trade-off are measured by TestMeasureImageFloor and
// documented in docs/operations.md ("Images").

// ImagePolicy is what the scanner does with an image above the floor.
type ImagePolicy string

const (
	// ImagesAuto is ImagesOCR when tesseract is found when the Scanner
	// is made (New), else ImagesWithhold.
	ImagesAuto ImagePolicy = ""
	// ImagesOCR reads images with tesseract.
	ImagesOCR ImagePolicy = "ocr"
	// ImagesWithhold withholds every image above the floor, and every
	// document that holds one.
	ImagesWithhold ImagePolicy = "withhold"
)

// The floor: an image too small to hold a 9-digit number anyone could
// read passes unread. Measured in TestMeasureImageFloor:
//
//   - Tesseract, as the scanner runs it (ocr.prepare enlarges small
//     pictures), reads half of the lone SSNs in a Go font at 7 pixels per
//     em, an image of about 48 x 11 pixels cropped to the ink, and fewer
//     below; with a safety margin of 0.7 that is 34 x 8.
//   - A person with a magnifier reads digits drawn as small as 3 x 5
//     pixels (the smallest grid in which the ten digits differ): nine of
//     them in a row, a pixel apart, take 35 x 5.
//
// The floor is the person's bound, at or under tesseract's on each side:
// an image is under it when its shorter side is under 5 pixels or its
// longer side under 35, either way round (a number written upwards
// counts). A 1 x 1 tracking pixel, an 8 x 8 bullet, 16 x 16 and 32 x 32
// icons and a 600 x 2 rule are under it; a 48 x 48 avatar is not.
const (
	imageFloorShort = 5
	imageFloorLong  = 35
)

// belowImageFloor reports whether a w x h image is under the floor.
func belowImageFloor(w, h int) bool {
	short, long := min(w, h), max(w, h)
	return short < imageFloorShort || long < imageFloorLong
}

// maxOCRImages bounds the images one message may have read by OCR (a
// document of a thousand distinct pictures); past it the rest are
// withheld.
const maxOCRImages = 64

// imageOutcome is what the policy did with one image, as counted in
// Result.Images.
type imageOutcome int

const (
	imageBelowFloor imageOutcome = iota
	imageWithheld
	imageOCRRead // read; found or clean is decided when its text is scanned
)

// imageRead is the policy's verdict on one image.
type imageRead struct {
	outcome imageOutcome
	ocr     ocr.Read
	err     error // why it is withheld; with OCR text when it was read but not vouched for
}

// readImage applies the policy to an image in its own file format (PNG,
// JPEG... as attached or stored in a package).
func (b *account) readImage(data []byte) imageRead {
	w, h, ok := ocr.Size(data)
	return b.readImageSized(w, h, ok, func() ([]byte, error) { return data, nil })
}

// readImageSized applies the policy to an image of w x h pixels (known
// when sized; a PDF's image dictionary says it), whose encoded bytes load
// gives, only when they are needed.
func (b *account) readImageSized(w, h int, sized bool, load func() ([]byte, error)) imageRead {
	if sized && belowImageFloor(w, h) {
		return imageRead{outcome: imageBelowFloor}
	}
	if !b.lim.readsImages() {
		return imageRead{outcome: imageWithheld, err: unscannable(ReasonNoText, "image (images = withhold)")}
	}
	data, err := load()
	if err != nil {
		return imageRead{outcome: imageWithheld, err: err}
	}
	key := sha256.Sum256(data)
	if r, ok := b.imageCache[key]; ok {
		return r
	}
	r := b.ocrImage(data)
	if b.imageCache == nil {
		b.imageCache = map[[32]byte]imageRead{}
	}
	b.imageCache[key] = r
	return r
}

// ocrImage reads one image above the floor with tesseract.
func (b *account) ocrImage(data []byte) imageRead {
	withheld := func(err error) imageRead { return imageRead{outcome: imageWithheld, err: err} }
	if b.ocrImages >= maxOCRImages {
		return withheld(unscannable(ReasonTooManyParts, fmt.Sprintf("more than %d images to read by OCR", maxOCRImages)))
	}
	b.ocrImages++
	if why := ocr.MoreFrames(data); why != "" {
		return withheld(unscannable(ReasonNoText, why+": OCR reads one frame"))
	}
	read, err := b.ocrText(data)
	if err != nil {
		return withheld(err)
	}
	view := ocrDigitView(read.Text)
	r := imageRead{outcome: imageOCRRead, ocr: read}
	if why := ocrDoubt(read, view); why != "" {
		r.err = unscannable(ReasonNoText, "image: "+why)
	}
	return r
}

// readsImages reports whether images above the floor go to OCR. New
// settles ImagesAuto; a budget made without New (the tests') reads the
// old OCR switch.
func (lim Limits) readsImages() bool {
	return lim.Images == ImagesOCR || lim.Images == ImagesAuto && lim.OCR
}

// resolveImages settles ImagesAuto once, when a Scanner is made.
func resolveImages(lim Limits) ImagePolicy {
	switch {
	case lim.Images != ImagesAuto:
		return lim.Images
	case lim.OCR:
		return ImagesOCR
	}
	if _, ok := tesseractPath(lim); ok {
		return ImagesOCR
	}
	return ImagesWithhold
}

// tesseractPath finds the tesseract the scanner runs.
func tesseractPath(lim Limits) (string, bool) {
	return ocr.Lookup(lim.TesseractPath)
}

// ocrText reads one image with tesseract (internal/ocr) within the
// message's limits.
func (b *account) ocrText(data []byte) (ocr.Read, error) {
	return ocr.Text(b.Budget, b.lim.TesseractPath, data)
}

// Images returns the image policy in force and a line for the log that
// says why ("tesseract found at /usr/bin/tesseract").
func (s *Scanner) Images() (ImagePolicy, string) {
	p, found := tesseractPath(s.lim)
	switch {
	case s.lim.Images == ImagesOCR && found:
		return ImagesOCR, "images above the size floor are read by OCR (tesseract at " + p + ")"
	case s.lim.Images == ImagesOCR:
		return ImagesOCR, "images = ocr but tesseract is not found: every image above the size floor is withheld"
	}
	return ImagesWithhold, "every image above the size floor is withheld (images = withhold, or tesseract not found)"
}
