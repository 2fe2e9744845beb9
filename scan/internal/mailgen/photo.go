package mailgen

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Photographed numbers (issue 13, "Tests and proof"): a document whose
// typed text holds no number, and a picture in it that shows one, as a
// member pastes a photo of their card into a form. The number is labelled
// at the picture; a scanner finds it only by reading the picture (images =
// "ocr"), and must withhold the document otherwise.

// PhotoKinds are the kinds PhotoDocument writes.
func PhotoKinds() []string { return []string{"docx-photo", "pptx-photo", "pdf-photo"} }

// PhotoDocument returns a message with a short body and one attachment of
// the given kind (see PhotoKinds) holding typed text and a picture of a
// fresh number, rendered large enough for any OCR (26 to 40 pixels per
// em, clean or on grey paper). The label's location is the picture's:
// "attachment:NAME.docx/image1.png", "attachment:NAME.pptx/image1.png",
// "attachment:NAME.pdf/page1-image1".
func (g *Generator) PhotoDocument(kind string) Message {
	b := &builder{g: g, keywords: true}
	it := g.secret()
	caption, number, spelling := "Card number", strings.Join(groups(it.digits), " "), "photo-card-grouped"
	if it.typ == SSN {
		caption, number, spelling = g.pick("Social Security number", "SSN", "My SSN is"), it.digits[:3]+"-"+it.digits[3:5]+"-"+it.digits[5:], "photo-ssn-dashed"
	}
	pic, look := g.photo(caption, number)
	text := g.pick("Please find the completed form attached.", "Here is the document you asked for.", "Attached as requested, thank you.")
	var name, ctype, where string
	var doc []byte
	switch kind {
	case "docx-photo":
		name = g.pick(docStems...) + ".docx"
		ctype, where = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "image1.png"
		doc = zipFiles([][2]string{
			{"[Content_Types].xml", docxContentTypes},
			{"_rels/.rels", docxRels},
			{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
				`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` +
				xmlEscape(text) + `</w:t></w:r></w:p><w:p><w:r><w:drawing/></w:r></w:p><w:sectPr/></w:body></w:document>`},
			{"word/media/image1.png", string(pic)},
		}, false)
	case "pptx-photo":
		name = g.pick("slides", "Präsentation", "claim") + ".pptx"
		ctype, where = "application/vnd.openxmlformats-officedocument.presentationml.presentation", "image1.png"
		doc = zipFiles([][2]string{
			{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
				`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="png" ContentType="image/png"/></Types>`},
			{"ppt/slides/slide1.xml", `<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>` +
				xmlEscape(text) + `</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`},
			{"ppt/media/image1.png", string(pic)},
		}, false)
	case "pdf-photo":
		name = g.pick("statement", "Formular", "scan") + ".pdf"
		ctype, where = "application/pdf", "page1-image1"
		if g.r.IntN(2) == 0 {
			pic, look = toJPEG(pic), look+", JPEG"
		}
		doc = g.pdfWithPicture(text, pic)
	default:
		panic("mailgen: unknown photo kind " + kind)
	}
	b.msg.texts = append(b.msg.texts, text)
	loc := "attachment:" + name + "/" + where
	b.msg.Planted = append(b.msg.Planted, Planted{
		Type: it.typ, Number: Secret(it.digits), Last4: it.digits[len(it.digits)-4:],
		Where: loc, Spelling: spelling, Carrier: kind + " picture, " + look,
	})
	body := part{
		header: []string{"Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 7bit"},
		body:   []byte(g.pick("Hello,", "Hi,", "Dear support,") + "\r\n\r\nplease see the attachment.\r\n"),
		desc:   "text/plain",
	}
	att := b.binaryPart(ctype, name, doc)
	att.desc = "attachment " + kind
	top := g.multipart("mixed", []part{body, att})
	b.msg.Raw = g.wrap(top, g.pick("My form", "Documents", "Re: your request"))
	b.msg.Shape = "photo " + kind + " (" + look + "); " + top.desc
	b.msg.Keywords = true
	return b.msg
}

// photo renders a caption and a number below it, as a PNG, and says how.
func (g *Generator) photo(caption, number string) ([]byte, string) {
	fontName := g.pick("sans", "mono")
	ttf := goregular.TTF
	if fontName == "mono" {
		ttf = gomono.TTF
	}
	px := float64(26 + g.r.IntN(15))
	f, err := opentype.Parse(ttf)
	if err != nil {
		panic("mailgen: Go font: " + err.Error())
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic("mailgen: Go font: " + err.Error())
	}
	paper, ink, look := color.Gray{255}, color.Gray{0}, "clean"
	if g.r.IntN(2) == 0 {
		paper, ink, look = color.Gray{uint8(215 + g.r.IntN(30))}, color.Gray{uint8(20 + g.r.IntN(40))}, "grey paper"
	}
	margin := int(px)
	line := int(px * 1.6)
	width := 2*margin + max(font.MeasureString(face, caption).Ceil(), font.MeasureString(face, number).Ceil())
	img := image.NewGray(image.Rect(0, 0, width, 2*margin+2*line))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(ink), Face: face}
	for i, s := range []string{caption, number} {
		d.Dot = fixed.P(margin, margin+line*(i+1)-int(px*0.4))
		d.DrawString(s)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic("mailgen: png in memory: " + err.Error())
	}
	return buf.Bytes(), fmt.Sprintf("%.0f px %s, %s", px, fontName, look)
}

func toJPEG(pngData []byte) []byte {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		panic("mailgen: png: " + err.Error())
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		panic("mailgen: jpeg in memory: " + err.Error())
	}
	return buf.Bytes()
}

// pdfWithPicture is a one-page PDF with a line of text and the picture.
func (g *Generator) pdfWithPicture(text string, pic []byte) []byte {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(fixedTime)
	pdf.SetModificationDate(fixedTime)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(150, 6, text, "", 1, "L", false, 0, "")
	typ := "PNG"
	if bytes.HasPrefix(pic, []byte{0xff, 0xd8}) {
		typ = "JPG"
	}
	opt := fpdf.ImageOptions{ImageType: typ}
	pdf.RegisterImageOptionsReader("photo", opt, bytes.NewReader(pic))
	pdf.ImageOptions("photo", 20, 40, 120, 0, false, opt, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		panic("mailgen: pdf in memory: " + err.Error())
	}
	return buf.Bytes()
}
