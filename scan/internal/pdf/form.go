package pdf

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reads what a PDF's interactive form holds (ISO 32000 12.5.5,
// 12.7): each widget's appearance, drawn where the widget sits on its page
// so it is laid out with the page's own text (the label "Social security
// number" above three comb fields of 3, 2 and 4 digits reads as it does on
// screen); a field value no appearance shows, placed in its widget as a
// viewer would draw it; and every field value in field order, with its
// name.

// Field flags (12.7.4.3).
const (
	fieldMultiline = 1 << 12
	fieldComb      = 1 << 24
)

// maxFieldInherit bounds the /Parent chain followed for inherited keys.
const maxFieldInherit = 16

// annotations reads notes (/Contents), the appearance of form fields and
// stamps, which show what was typed into them, and field values that no
// appearance shows.
func (w *pdfWalker) annotations(nd pdfDict, res pdfDict) error {
	d := w.doc
	for _, a := range d.array(nd["Annots"]) {
		ad := d.dict(a)
		if ad == nil {
			continue
		}
		if s, ok := d.resolve(ad["Contents"]).(pdfString); ok {
			w.notes = append(w.notes, textString(s))
		}
		rect, hasRect := d.rect(ad["Rect"])
		before := w.placed
		ap := d.dict(ad["AP"])
		switch n := d.resolve(ap["N"]).(type) {
		case *pdfStream:
			if err := w.appearance(n, rect, hasRect, res); err != nil {
				return err
			}
		case pdfDict:
			if s := d.stream(n[d.name(ad["AS"])]); s != nil {
				if err := w.appearance(s, rect, hasRect, res); err != nil {
					return err
				}
				break
			}
			i := 0
			for _, v := range n {
				if s := d.stream(v); s != nil && i < 8 {
					i++
					if err := w.appearance(s, rect, hasRect, res); err != nil {
						return err
					}
				}
			}
		}
		if d.name(ad["Subtype"]) != "Widget" {
			continue
		}
		if w.placed == before && hasRect {
			w.placeFieldValue(ad, rect)
		}
		if w.placed > before {
			w.markShown(a, ad)
		}
	}
	return nil
}

// markShown notes a widget and the fields above it as drawn on a page.
func (w *pdfWalker) markShown(o pdfObj, ad pdfDict) {
	d := w.doc
	for i := 0; i < maxFieldInherit; i++ {
		if r, ok := o.(pdfRef); ok {
			w.shown[r.num] = true
		}
		o = ad["Parent"]
		if ad = d.dict(o); ad == nil {
			return
		}
	}
}

// rect reads a rectangle, normalised so the first corner is the lower left.
func (d *pdfDoc) rect(o pdfObj) ([4]float64, bool) {
	a := d.array(o)
	if len(a) != 4 {
		return [4]float64{}, false
	}
	var r [4]float64
	for i := range r {
		r[i] = finite(num(d.resolve(a[i])))
	}
	if r[0] > r[2] {
		r[0], r[2] = r[2], r[0]
	}
	if r[1] > r[3] {
		r[1], r[3] = r[3], r[1]
	}
	return r, true
}

// appearance draws an appearance stream into its annotation's rectangle
// (12.5.5): the form's bounding box, through its matrix, is fitted to the
// rectangle.
func (w *pdfWalker) appearance(s *pdfStream, rect [4]float64, hasRect bool, res pdfDict) error {
	d := w.doc
	m := d.formMatrix(s)
	if bbox, ok := d.rect(s.dict["BBox"]); ok && hasRect {
		xs, ys := [4]float64{}, [4]float64{}
		for i, p := range [4][2]float64{{bbox[0], bbox[1]}, {bbox[2], bbox[1]}, {bbox[0], bbox[3]}, {bbox[2], bbox[3]}} {
			xs[i], ys[i] = m.apply(p[0], p[1])
		}
		x0, x1 := min(xs[0], xs[1], xs[2], xs[3]), max(xs[0], xs[1], xs[2], xs[3])
		y0, y1 := min(ys[0], ys[1], ys[2], ys[3]), max(ys[0], ys[1], ys[2], ys[3])
		if x1 > x0 && y1 > y0 {
			sx, sy := (rect[2]-rect[0])/(x1-x0), (rect[3]-rect[1])/(y1-y0)
			m = m.mul(pdfMatrix{sx, 0, 0, sy, rect[0] - sx*x0, rect[1] - sy*y0})
		}
	}
	gs, tm, tlm := w.gs, w.tm, w.tlm
	w.gs = defaultGState(identityMatrix)
	err := w.form(s, res, 1, m)
	w.gs, w.tm, w.tlm = gs, tm, tlm
	return err
}

// inherited finds a field key on the widget or the fields above it
// (12.7.4.1: FT, Ff, V, DA, MaxLen are inheritable).
func (d *pdfDoc) inherited(fd pdfDict, key pdfName) pdfObj {
	for i := 0; i < maxFieldInherit && fd != nil; i++ {
		if v, ok := fd[key]; ok {
			return v
		}
		fd = d.dict(fd["Parent"])
	}
	return nil
}

// placeFieldValue draws a text field's value in its widget the way a
// viewer does when the file has no appearance for it (NeedAppearances):
// one character per cell of a comb field, else from the left edge.
func (w *pdfWalker) placeFieldValue(ad pdfDict, rect [4]float64) {
	d := w.doc
	if ft := d.name(d.inherited(ad, "FT")); ft != "Tx" && ft != "Ch" {
		return
	}
	value := fieldValue(d, d.inherited(ad, "V"))
	if strings.TrimSpace(value) == "" {
		return
	}
	height := rect[3] - rect[1]
	size := daFontSize(d, d.inherited(ad, "DA"))
	if size <= 0 {
		size = max(height*0.6, 1) // auto-sized
	}
	ff, _ := d.resolve(d.inherited(ad, "Ff")).(pdfInt)
	maxLen, _ := d.resolve(d.inherited(ad, "MaxLen")).(pdfInt)
	base := rect[1] + max((height-size)/2, 0)
	w.blk.open = false
	if ff&fieldComb != 0 && ff&fieldMultiline == 0 && maxLen > 0 && maxLen <= 1000 {
		cell := (rect[2] - rect[0]) / float64(maxLen)
		i := 0
		for _, r := range value {
			if i >= int(maxLen) {
				break
			}
			x := rect[0] + cell*float64(i) + cell*0.25
			w.place(utf8.AppendRune(nil, r), 0, x, base, x+0.55*size, base, size)
			w.blk.open = false
			i++
		}
		w.placed += len(value)
		return
	}
	for i, l := range strings.FieldsFunc(value, func(r rune) bool { return r == '\r' || r == '\n' }) {
		y := base - float64(i)*size*1.15
		x := rect[0] + 2
		w.place([]byte(l), 0, x, y, x+0.5*size*float64(utf8.RuneCountInString(l)), y, size)
		w.blk.open = false
	}
	w.placed += len(value)
}

// daFontSize reads the size of "/Helv 12 Tf" in a default appearance
// string (12.7.3.3); 0 means auto.
func daFontSize(d *pdfDoc, o pdfObj) float64 {
	s, ok := d.resolve(o).(pdfString)
	if !ok {
		return 0
	}
	lx := pdfLexer{data: s, noRefs: true}
	last := 0.0
	for i := 0; i < 64; i++ {
		t := lx.next()
		switch {
		case t.kind == tokEOF:
			return 0
		case t.kind == tokNumber:
			last = t.num
		case t.kind == tokKeyword && string(t.str) == "Tf":
			return math.Abs(finite(last))
		}
	}
	return 0
}

// fields writes interactive form field values (12.7.3) in field order,
// with their names, so "SSN" next to nine digits reads as it did on
// screen. A field whose widget already drew its text on a page is not
// written again unless its line shows a number the page text does not (an
// appearance that shows something else than the value). Runs of short
// digit-only values (an SSN typed into three fields of 3, 2 and 4 digits)
// are also read joined, in field order.
func (w *pdfWalker) fields() error {
	d := w.doc
	root := d.dict(d.trailer["Root"])
	if root == nil {
		root = d.findCatalog()
	}
	form := d.dict(root["AcroForm"])
	stack := append(pdfArray(nil), d.array(form["Fields"])...)
	visited := map[int]bool{}
	var run []string // consecutive short digit values
	flushRun := func() {
		if len(run) >= 2 {
			w.addExtra([]byte(strings.Join(run, " ")))
		}
		run = run[:0]
	}
	for n := 0; len(stack) > 0 && n < maxPDFFields; n++ {
		o := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		shown := false
		if r, ok := o.(pdfRef); ok {
			if visited[r.num] {
				continue
			}
			visited[r.num] = true
			shown = w.shown[r.num]
		}
		fd := d.dict(o)
		if fd == nil {
			continue
		}
		if v := fieldValue(d, fd["V"]); v != "" {
			var b strings.Builder
			if t, ok := d.resolve(fd["T"]).(pdfString); ok {
				b.WriteString(textString(t))
				b.WriteString(": ")
			}
			b.WriteString(v)
			if shown {
				w.addExtra([]byte(b.String()))
			} else {
				w.line()
				w.emitString(b.String())
				w.line()
			}
			if shortDigits(v) {
				run = append(run, strings.TrimSpace(v))
			} else {
				flushRun()
			}
		}
		kids := d.array(fd["Kids"])
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
	flushRun()
	return nil
}

// shortDigits: a value of one to six digits (and dashes), the part of a
// number one field of a split form holds.
func shortDigits(v string) bool {
	v = strings.TrimSpace(v)
	digits := 0
	for _, r := range v {
		switch {
		case unicode.IsDigit(r):
			digits++
		case r == '-' || r == ' ':
		default:
			return false
		}
	}
	return digits > 0 && digits <= 6
}

func fieldValue(d *pdfDoc, o pdfObj) string {
	switch v := d.resolve(o).(type) {
	case pdfString:
		return textString(v)
	case pdfName:
		if v == "Off" {
			return ""
		}
		return string(v)
	case pdfArray:
		var parts []string
		for _, x := range v {
			if s, ok := d.resolve(x).(pdfString); ok {
				parts = append(parts, textString(s))
			}
		}
		return strings.Join(parts, " ")
	case *pdfStream: // rich text value: its bytes are text
		if data, err := d.decodeMax(v, maxRichText); err == nil && utf8.Valid(data) {
			return string(data)
		}
	}
	return ""
}

// maxRichText bounds a rich text field value.
const maxRichText = 1 << 20
