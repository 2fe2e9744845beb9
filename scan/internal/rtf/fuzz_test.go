package rtf

import (
	"errors"
	"testing"
)

// FuzzRTF: any input is read within its budgets, without a panic, and
// the output stays inside them. Seeds: testdata/fuzz/FuzzRTF (Word-style
// documents, pictures, code pages, \bin, fields) and the ones below.
func FuzzRTF(f *testing.F) {
	f.Add([]byte(WordDoc{Title: "t", Header: "h", Paragraphs: []Para{{{Text: "4111 1111", Split: 3, Digits: EscapeHex}, {Link: "http://x/", Text: "l"}}}}.Bytes()))
	f.Add([]byte(`{\rtf1\ansi\ansicpg932{\fonttbl{\f1\fcharset128 M;}}\f1 \'82\'50\uc2\u65297\'82\'50{\pict\dibitmap\bin4 abcd}}`))
	f.Add([]byte(`{\rtf1{\upr{a}{\*\ud{\u-10179?\u-8704?}}}{\object{\*\objdata 00}{\result x}}\'g`))
	lim := Limits{MaxText: 4096, MaxDepth: 32, MaxControls: 20000, MaxImages: 4, MaxImageBytes: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		checks := 0
		l := lim
		l.Check = func() error {
			checks++
			if checks > 1000 {
				return errors.New("stop")
			}
			return nil
		}
		res, err := Extract(data, l)
		if err != nil {
			t.Fatalf("error without a failing check: %v", err)
		}
		// One write may pass the budget before the reader stops.
		if n := len(res.Text) + len(res.Info) + len(res.Other); n > lim.MaxText+8 {
			t.Fatalf("%d bytes of text past a budget of %d", n, lim.MaxText)
		}
		var pics int
		for _, im := range res.Images {
			pics += len(im.Data)
		}
		if pics > int(lim.MaxImageBytes)+14 || len(res.Images) > lim.MaxImages {
			t.Fatalf("%d pictures, %d bytes, past the budget", len(res.Images), pics)
		}
		if len(res.Links) > maxLinks || len(res.Problems) > 64 {
			t.Fatalf("%d links, %d problems", len(res.Links), len(res.Problems))
		}
		_ = res.AllText()
	})
}
