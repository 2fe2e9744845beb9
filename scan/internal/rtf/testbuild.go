package rtf

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// This file builds RTF the way Word writes it, for this package's tests
// and for the message generator (scan/internal/mailgen): the prelude of
// tables and metadata a reader has to skip, and a body cut into the run
// groups Word leaves after edits.

// WordDoc is a document to write as Word would save it.
type WordDoc struct {
	CodePage      int    // \ansicpg: 1252 (the default) or 932
	Title, Author string // File > Info properties
	Header        string // a page header, when not empty
	Paragraphs    []Para
	// Theme, when set, is written as a \*\themedata hex blob (Word
	// writes the theme's zip there), for tests that the reader does not
	// take hex for text.
	Theme []byte
}

// Para is one paragraph.
type Para []Span

// Span is a piece of a paragraph.
type Span struct {
	Text string
	// Split cuts the text into run groups of this many runes, each with
	// its own revision id, as Word does to a line edited in several
	// sessions (0: one run).
	Split int
	// Digits is how the ASCII digits of Text are written.
	Digits Escape
	Hidden bool   // hidden text (\v)
	Link   string // a HYPERLINK field to this target, Text its result
	// Picture, when set, is a PNG written as Word 2007+ writes an inline
	// picture: \shppict, and a \nonshppict metafile for older readers.
	Picture []byte
}

// Escape is a way to spell a character in RTF.
type Escape int

const (
	EscapeNone    Escape = iota // as itself
	EscapeHex                   // \'34
	EscapeUnicode               // \u52\'34
)

// Bytes writes the document.
func (d WordDoc) Bytes() []byte {
	cp := d.CodePage
	if cp == 0 {
		cp = 1252
	}
	var enc encoding.Encoding = charmap.Windows1252
	if cp == 932 {
		enc = japanese.ShiftJIS
	}
	w := &wordWriter{enc: enc, rsid: 1005847}
	b := &w.b
	fmt.Fprintf(b, `{\rtf1\adeflang1025\ansi\ansicpg%d\uc1\adeff31507\deff0\stshfdbch31505\stshfloch31506\stshfhich31506\stshfbi31507\deflang1033\deflangfe1033\themelang1033\themelangfe0\themelangcs0`, cp)
	b.WriteString("{\\fonttbl{\\f0\\fbidi \\froman\\fcharset0\\fprq2{\\*\\panose 02020603050405020304}Times New Roman;}{\\f34\\fbidi \\froman\\fcharset0\\fprq2{\\*\\panose 02040503050406030204}Cambria Math;}\r\n")
	b.WriteString("{\\flomajor\\f31500\\fbidi \\froman\\fcharset0\\fprq2{\\*\\panose 02020603050405020304}Times New Roman;}{\\fdbminor\\f31505\\fbidi \\froman\\fcharset128\\fprq2{\\*\\panose 02020609040205080304}MS Mincho{\\*\\falt \\'82\\'6c\\'82\\'72 \\'96\\'be\\'92\\'a9};}\r\n")
	b.WriteString("{\\flominor\\f31506\\fbidi \\fswiss\\fcharset0\\fprq2{\\*\\panose 020f0502020204030204}Calibri;}{\\fbiminor\\f31507\\fbidi \\froman\\fcharset0\\fprq2{\\*\\panose 02020603050405020304}Times New Roman;}}\r\n")
	b.WriteString("{\\colortbl;\\red0\\green0\\blue0;\\red0\\green0\\blue255;\\red5\\green99\\blue193;}{\\*\\defchp \\f31506\\fs22\\lang1033\\langfe1033\\langfenp1033 }{\\*\\defpap \\ql \\li0\\ri0\\sa160\\sl259\\slmult1\\widctlpar\\wrapdefault\\aspalpha\\aspnum\\faauto\\adjustright\\rin0\\lin0\\itap0 }\\noqfpromote \r\n")
	b.WriteString("{\\stylesheet{\\ql \\li0\\ri0\\sa160\\sl259\\slmult1\\widctlpar\\wrapdefault\\aspalpha\\aspnum\\faauto\\adjustright\\rin0\\lin0\\itap0 \\rtlch\\fcs1 \\af31507\\afs22\\alang1025 \\ltrch\\fcs0 \\f31506\\fs22\\lang1033\\langfe1033\\cgrid\\langnp1033\\langfenp1033 \\snext0 \\sqformat \\spriority0 Normal;}{\\*\\cs10 \\additive \\ssemihidden \\sunhideused \\spriority1 Default Paragraph Font;}{\\*\\cs15 \\additive \\rtlch\\fcs1 \\af0 \\ltrch\\fcs0 \\ul\\cf19 \\sbasedon10 \\sunhideused \\styrsid4929302 Hyperlink;}}\r\n")
	b.WriteString("{\\*\\rsidtbl \\rsid1005847\\rsid4929302\\rsid16473419}{\\mmathPr\\mmathFont34\\mbrkBin0\\mbrkBinSub0\\msmallFrac0\\mdispDef1\\mlMargin0\\mrMargin0\\mdefJc1\\mwrapIndent1440\\mintLim0\\mnaryLim1}")
	b.WriteString("{\\info")
	if d.Title != "" {
		b.WriteString("{\\title ")
		w.text(d.Title, EscapeNone)
		b.WriteString("}")
	}
	if d.Author != "" {
		b.WriteString("{\\author ")
		w.text(d.Author, EscapeNone)
		b.WriteString("}{\\operator ")
		w.text(d.Author, EscapeNone)
		b.WriteString("}")
	}
	b.WriteString("{\\creatim\\yr2024\\mo3\\dy14\\hr10\\min2}{\\revtim\\yr2024\\mo3\\dy14\\hr10\\min5}{\\version2}{\\edmins3}{\\nofpages1}{\\nofwords12}{\\nofchars72}{\\nofcharsws83}{\\vern57}}")
	b.WriteString("{\\*\\xmlnstbl {\\xmlns1 http://schemas.microsoft.com/office/word/2003/wordml}}\\paperw12240\\paperh15840\\margl1440\\margr1440\\margt1440\\margb1440\\gutter0\\ltrsect \r\n")
	b.WriteString("\\widowctrl\\ftnbj\\aenddoc\\trackmoves0\\trackformatting1\\donotembedsysfont1\\relyonvml0\\donotembedlingdata0\\grfdocevents0\\validatexml1\\showplaceholdtext0\\ignoremixedcontent0\\saveinvalidxml0\\showxmlerrors1\\noxlattoyen\r\n")
	b.WriteString("\\asianbrkrule\\rsidroot4929302 \\fet0{\\*\\wgrffmtfilter 2450}\\ilfomacatclnup0\\ltrpar \\sectd \\ltrsect\\linex0\\endnhere\\sectlinegrid360\\sectdefaultcl\\sftnbj ")
	if d.Header != "" {
		b.WriteString("{\\headerr \\ltrpar \\pard\\plain \\ltrpar\\s17\\ql \\li0\\ri0\\widctlpar\\tqc\\tx4680\\tqr\\tx9360\\wrapdefault\\aspalpha\\aspnum\\faauto\\adjustright\\rin0\\lin0\\itap0 \\rtlch\\fcs1 \\af31507\\afs22\\alang1025 \\ltrch\\fcs0 \\f31506\\fs22\\lang1033\\langfe1033\\cgrid\\langnp1033\\langfenp1033 ")
		w.run(Span{Text: d.Header})
		b.WriteString("{\\rtlch\\fcs1 \\af0 \\ltrch\\fcs0 \\insrsid4929302 \\par }}")
	}
	b.WriteString("{\\*\\pnseclvl1\\pnucrm\\pnstart1\\pnindent720\\pnhang {\\pntxta .}}{\\*\\pnseclvl2\\pnucltr\\pnstart1\\pnindent720\\pnhang {\\pntxta .}}\r\n")
	for _, para := range d.Paragraphs {
		b.WriteString("\\pard\\plain \\ltrpar\\ql \\li0\\ri0\\sa160\\sl259\\slmult1\\widctlpar\\wrapdefault\\aspalpha\\aspnum\\faauto\\adjustright\\rin0\\lin0\\itap0 \\rtlch\\fcs1 \\af31507\\afs22\\alang1025 \\ltrch\\fcs0 \\f31506\\fs22\\lang1033\\langfe1033\\cgrid\\langnp1033\\langfenp1033 ")
		for _, s := range para {
			switch {
			case s.Picture != nil:
				w.picture(s.Picture)
			case s.Link != "":
				w.field(s)
			default:
				w.run(s)
			}
		}
		b.WriteString("{\\rtlch\\fcs1 \\af31507 \\ltrch\\fcs0 \\insrsid4929302 \\par }")
	}
	if d.Theme != nil {
		b.WriteString("{\\*\\themedata ")
		writeHex(b, d.Theme)
		b.WriteString("}\r\n")
	}
	b.WriteString("{\\*\\colorschememapping 3c3f786d6c2076657273696f6e3d22312e302220656e636f64696e673d225554462d3822207374616e64616c6f6e653d22796573223f3e0d0a3c613a636c724d}\r\n")
	b.WriteString("{\\*\\latentstyles\\lsdstimax376\\lsdlockeddef0\\lsdsemihiddendef0\\lsdunhideuseddef0\\lsdqformatdef0\\lsdprioritydef99{\\lsdlockedexcept \\lsdqformat1 \\lsdpriority0 \\lsdlocked0 Normal;\\lsdqformat1 \\lsdpriority9 \\lsdlocked0 heading 1;}}\r\n")
	b.WriteString("{\\*\\datastore 01050000020000001800000057006f00720064002e0044006f00630075006d0065006e0074002e00380000000000000000000000000000}}")
	return []byte(b.String())
}

type wordWriter struct {
	b    strings.Builder
	enc  encoding.Encoding
	rsid int
}

// run writes a span as Word's run groups.
func (w *wordWriter) run(s Span) {
	text := s.Text
	for text != "" {
		n := len(text)
		if s.Split > 0 {
			n = 0
			for i := 0; i < s.Split && n < len(text); i++ {
				_, size := utf8.DecodeRuneInString(text[n:])
				n += size
			}
		}
		w.rsid += 7919
		if w.rsid%2 == 0 {
			fmt.Fprintf(&w.b, `{\rtlch\fcs1 \af0 \ltrch\fcs0 `)
		} else {
			fmt.Fprintf(&w.b, `{\rtlch\fcs1 \af31507 \ltrch\fcs0 `)
		}
		if s.Hidden {
			w.b.WriteString(`\v`)
		}
		fmt.Fprintf(&w.b, `\insrsid%d \hich\af31506\dbch\af31505\loch\f31506 `, w.rsid)
		w.text(text[:n], s.Digits)
		w.b.WriteString("}")
		text = text[n:]
	}
}

// text writes characters: ASCII as is (or the digits escaped), others in
// the document's code page when it has them, else as \uN with a "?"
// fallback, as Word does.
func (w *wordWriter) text(s string, digits Escape) {
	encoder := w.enc.NewEncoder()
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9' && digits == EscapeHex:
			fmt.Fprintf(&w.b, `\'%02x`, r)
		case r >= '0' && r <= '9' && digits == EscapeUnicode:
			fmt.Fprintf(&w.b, `\u%d\'%02x`, r, r)
		case r == '\\' || r == '{' || r == '}':
			w.b.WriteByte('\\')
			w.b.WriteRune(r)
		case r == '\n':
			w.b.WriteString(`\line `)
		case r == '\t':
			w.b.WriteString(`\tab `)
		case r < 0x80:
			w.b.WriteRune(r)
		default:
			enc, err := encoder.Bytes([]byte(string(r)))
			if err != nil || len(enc) == 0 {
				v := int(r)
				if r > 0xffff {
					hi, lo := utf16Pair(r)
					fmt.Fprintf(&w.b, `\u%d?\u%d?`, int16(hi), int16(lo))
					continue
				}
				fmt.Fprintf(&w.b, `\u%d?`, int16(uint16(v)))
				continue
			}
			for _, c := range enc {
				fmt.Fprintf(&w.b, `\'%02x`, c)
			}
		}
	}
}

func utf16Pair(r rune) (uint16, uint16) {
	r -= 0x10000
	return uint16(0xd800 + r>>10), uint16(0xdc00 + r&0x3ff)
}

// field writes a hyperlink as Word 2010+ does, with its \*\datafield.
func (w *wordWriter) field(s Span) {
	w.b.WriteString(`{\field{\*\fldinst {\rtlch\fcs1 \af0 \ltrch\fcs0 \insrsid4929302 \hich\af31506\dbch\af31505\loch\f31506  HYPERLINK "`)
	w.text(s.Link, EscapeNone)
	w.b.WriteString(`" }{\rtlch\fcs1 \af0 \ltrch\fcs0 \insrsid4929302 {\*\datafield 00d0c9ea79f9bace118c8200aa004ba90b0200000017000000}}}{\fldrslt {\rtlch\fcs1 \af0 \ltrch\fcs0 \cs15\ul\cf19\insrsid4929302 \hich\af31506\dbch\af31505\loch\f31506 `)
	w.text(s.Text, s.Digits)
	w.b.WriteString(`}}}`)
}

// picture writes an inline PNG and its metafile fallback.
func (w *wordWriter) picture(png []byte) {
	w.b.WriteString(`{\rtlch\fcs1 \af0 \ltrch\fcs0 \insrsid4929302 {\*\shppict{\pict{\*\picprop\shplid1025{\sp{\sn shapeType}{\sv 75}}{\sp{\sn fFlipH}{\sv 0}}{\sp{\sn fFlipV}{\sv 0}}{\sp{\sn fLayoutInCell}{\sv 1}}}`)
	w.b.WriteString(`\picscalex100\picscaley100\piccropl0\piccropr0\piccropt0\piccropb0\picw1270\pich1270\picwgoal720\pichgoal720\pngblip\bliptag-1405262463{\*\blipuid ac3d8e81c4d2e4b1a3f1f2e3d4c5b6a7}`)
	writeHex(&w.b, png)
	w.b.WriteString(`}}{\nonshppict{\pict\picscalex100\picscaley100\piccropl0\piccropr0\piccropt0\piccropb0\picw1270\pich1270\picwgoal720\pichgoal720\wmetafile8\bliptag-1405262463 `)
	// A placeholder metafile header: Word's real fallback holds the
	// bitmap again, which does not matter to the reader.
	writeHex(&w.b, []byte{1, 0, 9, 0, 0, 3, 0x26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	w.b.WriteString(`}}}`)
}

// writeHex writes bytes as Word does: hex, 128 digits a line.
func writeHex(b *strings.Builder, data []byte) {
	h := hex.EncodeToString(data)
	for len(h) > 128 {
		b.WriteString("\r\n")
		b.WriteString(h[:128])
		h = h[128:]
	}
	b.WriteString("\r\n")
	b.WriteString(h)
}
