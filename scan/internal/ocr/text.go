package ocr

import (
	"strconv"
	"strings"
)

// What tesseract printed (package scan makes of it what it can vouch
// for: image_ocrtext.go). Tesseract is asked for TSV (one row per word with its confidence and box), so that
// a number it read badly can be told from text it read well; a stand-in
// that prints plain text (the tests' scripts) is read as words of full
// confidence.

// Word is one word tesseract read.
type Word struct {
	Text   string
	Conf   float64 // 0..100; 100 for plain-text output
	Height int     // pixels in the picture tesseract was given; 0 unknown
}

// Read is the text of one picture.
type Read struct {
	Text  string // the words, a space between words, a line break between lines
	Words []Word
}

// Parse reads tesseract's TSV output (level, page, block, paragraph,
// line, word, left, top, width, height, conf, text), or plain text.
func Parse(out string) Read {
	if !strings.HasPrefix(out, "level\t") {
		r := Read{Text: out}
		for _, f := range strings.Fields(out) {
			r.Words = append(r.Words, Word{Text: f, Conf: 100})
		}
		return r
	}
	var b strings.Builder
	var r Read
	lastLine := ""
	for _, row := range strings.Split(out, "\n")[1:] {
		cols := strings.SplitN(strings.TrimRight(row, "\r"), "\t", 12)
		if len(cols) < 12 || cols[0] != "5" {
			continue
		}
		word := strings.TrimSpace(cols[11])
		if word == "" {
			continue
		}
		conf, err := strconv.ParseFloat(cols[10], 64)
		if err != nil {
			conf = 0
		}
		h, _ := strconv.Atoi(cols[9])
		line := cols[1] + "." + cols[2] + "." + cols[3] + "." + cols[4]
		switch {
		case b.Len() == 0:
		case line != lastLine:
			b.WriteByte('\n')
		default:
			b.WriteByte(' ')
		}
		lastLine = line
		b.WriteString(word)
		r.Words = append(r.Words, Word{Text: word, Conf: conf, Height: h})
	}
	r.Text = b.String()
	return r
}
