package scan

import (
	"bytes"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText turns member HTML into text the way a reader sees it: entities
// decoded, inline tags joined without a space (so "4111<b>1111</b>" stays
// one number), block tags on their own lines, white space collapsed.
// hidden gets what a reader does not see but a number can still hide in:
// comments, scripts, styles and the alt/title/value attributes. Both are
// scanned; only visible is kept for staff. uris are the data: URIs the
// page embeds (images in src, CSS url(), links): content of their own,
// which the walk reads as it reads attachments.
func htmlText(src []byte) (visible, hidden []byte, uris []string) {
	z := html.NewTokenizer(bytes.NewReader(src))
	var vis, hid bytes.Buffer
	vis.Grow(len(src) / 2)
	skip := 0  // inside script/style
	style := 0 // inside style: CSS can embed data: URIs
	pre := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return bytes.TrimSpace(vis.Bytes()), hid.Bytes(), uris
		case html.TextToken:
			t := z.Text()
			switch {
			case style > 0:
				uris = append(uris, dataURIs(string(t))...)
				hid.Write(t)
				hid.WriteByte('\n')
			case skip > 0:
				hid.Write(t)
				hid.WriteByte('\n')
			case pre > 0:
				vis.Write(t)
			default:
				collapseSpace(&vis, t)
			}
		case html.CommentToken:
			hid.Write(z.Text())
			hid.WriteByte('\n')
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if len(v) > 5 && bytes.Contains(bytes.ToLower(v), []byte("data:")) {
					uris = append(uris, dataURIs(string(v))...)
				}
				switch string(k) {
				case "alt", "title", "value", "placeholder", "content", "aria-label":
					hid.Write(v)
					hid.WriteByte('\n')
				}
			}
			start := tt == html.StartTagToken
			switch a {
			case atom.Script, atom.Style, atom.Template, atom.Noscript:
				if start {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				if a == atom.Style {
					if start {
						style++
					} else if tt == html.EndTagToken && style > 0 {
						style--
					}
				}
			case atom.Pre, atom.Textarea:
				if start {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
				newline(&vis)
			case atom.Br, atom.P, atom.Div, atom.Tr, atom.Li, atom.Ul, atom.Ol, atom.Table,
				atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote,
				atom.Section, atom.Article, atom.Header, atom.Footer, atom.Hr, atom.Dd, atom.Dt,
				atom.Title, atom.Address, atom.Caption, atom.Tbody, atom.Thead, atom.Tfoot:
				newline(&vis)
			case atom.Td, atom.Th:
				if start {
					// Cells are separated by a tab, as a spreadsheet copy
					// would be: the detector joins tab cells only when they
					// are printed as a card or SSN grouping (tabs.go).
					trimTrailingSpace(&vis)
					if vis.Len() > 0 && !endsWith(&vis, '\n') {
						vis.WriteByte('\t')
					}
				}
			}
		}
	}
}

func collapseSpace(b *bytes.Buffer, t []byte) {
	for _, c := range t {
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' {
			if b.Len() > 0 && !endsWith(b, ' ') && !endsWith(b, '\n') && !endsWith(b, '\t') {
				b.WriteByte(' ')
			}
			continue
		}
		b.WriteByte(c)
	}
}

func newline(b *bytes.Buffer) {
	trimTrailingSpace(b)
	if b.Len() > 0 && !endsWith(b, '\n') {
		b.WriteByte('\n')
	}
}

func trimTrailingSpace(b *bytes.Buffer) {
	for b.Len() > 0 && endsWith(b, ' ') {
		b.Truncate(b.Len() - 1)
	}
}

func endsWith(b *bytes.Buffer, c byte) bool {
	bb := b.Bytes()
	return len(bb) > 0 && bb[len(bb)-1] == c
}
