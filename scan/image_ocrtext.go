package scan

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/intake-mail/intake/scan/internal/ocr"
)

// ocrConfusables are the letters and signs OCR reads in place of digits.
var ocrConfusables = map[rune]byte{
	'O': '0', 'o': '0', 'D': '0', 'Q': '0', 'U': '0', '@': '0',
	'I': '1', 'l': '1', '|': '1', 'i': '1', '!': '1', ']': '1', '[': '1', 'L': '1', 'J': '1',
	'Z': '2', 'z': '2',
	'A': '4', 'a': '4', 'h': '4',
	'S': '5', 's': '5',
	'G': '6', 'b': '6',
	'T': '7', '?': '7',
	'B': '8', '&': '8',
	'g': '9', 'q': '9',
}

// ocrSeparators are read between two groups of digits where a dash was.
var ocrSeparators = map[rune]bool{'~': true, '_': true, ',': true, ':': true, ';': true, '—': true, '–': true, '=': true, '*': true}

// ocrStrays are marks OCR puts inside a group of digits from a speck or a
// stroke ("8/704"): dropped from a word of digits.
var ocrStrays = map[rune]bool{'/': true, '\'': true, '`': true, '"': true, '^': true}

// ocrDigitView is the OCR text with the misreadings of digits undone:
// in a word of digits, letters and signs OCR confuses with digits become
// those digits ("4209 4158 7333 S245" is "... 5245"), odd separators
// between digit groups become one dash ("565—-80"), and spaces around a
// dash go ("407 -64-9663"). Lines stay lines: a number is not made of
// two. It is scanned besides the text as read; it is nil when it would
// read the same.
func ocrDigitView(text string) []byte {
	var out []byte
	changed := false
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			out = append(out, '\n')
		}
		var l []byte
		for j, f := range strings.FieldsFunc(line, unicode.IsSpace) {
			if j > 0 {
				l = append(l, ' ')
			}
			g, ok := digitWord(f)
			changed = changed || ok
			l = append(l, g...)
		}
		// "407 -64": a space before or after a dash between digits.
		for k := 0; k < len(l); k++ {
			c := l[k]
			if c == ' ' && k > 0 && k+1 < len(l) && (l[k+1] == '-' && isDecDigit(l[k-1]) || l[k-1] == '-' && isDecDigit(l[k+1])) {
				changed = true
				continue
			}
			out = append(out, c)
		}
	}
	if !changed {
		return nil
	}
	return out
}

// digitWord maps the confusables of a word that is mostly digits; ok
// when it changed anything.
func digitWord(w string) (string, bool) {
	digits, likely, other := 0, 0, 0
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case ocrConfusables[r] != 0:
			likely++
		case ocrSeparators[r] || ocrStrays[r] || r == '-' || r == '.':
		default:
			other++
		}
	}
	if digits == 0 || other > 0 || likely == 0 && !strings.ContainsAny(w, "~_,:;—–=*/'`\"^") {
		return w, false
	}
	b := make([]byte, 0, len(w))
	changed := false
	for _, r := range w {
		switch {
		case ocrConfusables[r] != 0:
			b = append(b, ocrConfusables[r])
			changed = true
		case ocrStrays[r]:
			changed = true
		case ocrSeparators[r] || r == '-':
			// "565—-80": one dash, however many signs OCR saw.
			if len(b) > 0 && b[len(b)-1] == '-' {
				changed = true
				continue
			}
			b = append(b, '-')
			changed = changed || r != '-'
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b), changed
}

// ocrDoubt says why what OCR read cannot vouch for a picture that no
// number was found in ("" when it can):
//
//   - OCR read no text at all. It cannot tell a picture without text from
//     digits too small or blurred for it: in TestMeasureImageFloor nearly
//     every photographed number it missed came out as no text.
//   - A word holding digits that tesseract itself was unsure of.
//   - A run of digit groups shaped like a card (12 to 20 digits) or an
//     SSN (3-2-4, or nine digits in a row; a digit more or less in one
//     group next to an SSN keyword) that the detector did not accept:
//     most often a number with one digit misread.
func ocrDoubt(r ocr.Read, view []byte) string {
	if len(r.Words) == 0 {
		return "OCR read no text in it"
	}
	for _, w := range r.Words {
		if w.Conf < ocrUnsureConf {
			if g, _ := digitWord(w.Text); asciiDigitCount(g) >= 2 {
				return "OCR was unsure of digits it read"
			}
		}
	}
	text := r.Text
	if view != nil {
		text = string(view)
	}
	keyword := false
	for p := 0; p < len(text) && !keyword; p++ {
		keyword = keywordAt([]byte(text), p)
	}
	for _, run := range digitRuns(text) {
		if len(Detect([]byte(run.text))) > 0 {
			continue
		}
		total := 0
		for _, g := range run.groups {
			total += g
		}
		switch {
		case total >= 12 && total <= 20 && run.cardGroups():
			return "OCR read a card-shaped number that is not a valid card"
		case len(run.groups) == 1 && total == 9:
			return "OCR read nine digits that are not a valid SSN"
		case len(run.groups) == 3 && run.groups[0] == 3 && run.groups[1] == 2 && run.groups[2] == 4:
			return "OCR read an SSN-shaped number that is not a valid SSN"
		case keyword && len(run.groups) == 3 && nearSSNShape(run.groups):
			return "OCR read an SSN-shaped number near an SSN keyword"
		}
	}
	return ""
}

// ocrUnsureConf is the confidence under which tesseract's reading of a
// word of digits is not taken as proof (see TestMeasureImageFloor).
const ocrUnsureConf = 70

// nearSSNShape: 3-2-4 with one digit more or less in one group.
func nearSSNShape(g []int) bool {
	off := 0
	for i, want := range []int{3, 2, 4} {
		d := g[i] - want
		if d < -1 || d > 1 {
			return false
		}
		if d != 0 {
			off++
		}
	}
	return off == 1
}

type digitRun struct {
	text   string
	groups []int  // digits per group
	seps   []byte // the separator after each group but the last
}

// cardGroups: one group, or groups of three digits or more joined by one
// kind of separator, as cards are printed ("2024-01-15 129.99" is not).
func (r digitRun) cardGroups() bool {
	for i, g := range r.groups {
		if len(r.groups) > 1 && g < 3 || i > 0 && i < len(r.seps) && r.seps[i] != r.seps[0] {
			return false
		}
	}
	return true
}

// digitRuns finds runs of digit groups joined by one separator (a space,
// a dash or a dot) each.
func digitRuns(s string) []digitRun {
	var runs []digitRun
	i := 0
	for i < len(s) {
		if !isDecDigit(s[i]) || i > 0 && (isDecDigit(s[i-1]) || isAlnum(rune(s[i-1]))) {
			i++
			continue
		}
		start := i
		var groups []int
		var seps []byte
		for {
			j := i
			for j < len(s) && isDecDigit(s[j]) {
				j++
			}
			groups = append(groups, j-i)
			i = j
			if i+1 < len(s) && (s[i] == ' ' || s[i] == '-' || s[i] == '.') && isDecDigit(s[i+1]) {
				seps = append(seps, s[i])
				i++
				continue
			}
			break
		}
		if i < len(s) && isAlnum(rune(s[i])) {
			continue // glued to a word: an identifier, not a number
		}
		runs = append(runs, digitRun{text: s[start:i], groups: groups, seps: seps})
	}
	return runs
}

func asciiDigitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDecDigit(s[i]) {
			n++
		}
	}
	return n
}
