package scan

import (
	"fmt"
	"strings"
)

// maxDataURIs bounds the data: URIs read out of one HTML text; past it the
// HTML part is unscannable (too_many_parts) rather than slow.
const maxDataURIs = 200

// dataURIs finds the data: URIs (RFC 2397) in an attribute value or a
// style sheet. A value that is one URI is taken whole (a text URI may hold
// unencoded spaces); in CSS or srcset a URI ends at white space, a quote
// or a parenthesis.
func dataURIs(s string) []string {
	if t := strings.TrimSpace(s); len(t) > 5 && strings.EqualFold(t[:5], "data:") && !strings.ContainsAny(t, "()\"'") {
		if !strings.Contains(t, " ") || !strings.HasPrefix(strings.ToLower(t), "data:image/") {
			return []string{t}
		}
	}
	var out []string
	lower := strings.ToLower(s)
	for off := 0; ; {
		i := strings.Index(lower[off:], "data:")
		if i < 0 {
			return out
		}
		i += off
		off = i + 5
		if i > 0 && isAlnum(rune(s[i-1])) {
			continue // "metadata:", not a URI
		}
		end := strings.IndexAny(s[i:], " \t\r\n\"')<>")
		if end < 0 {
			end = len(s) - i
		}
		out = append(out, s[i:i+end])
		off = i + end
	}
}

// dataURI reads one data: URI of an HTML text at parent as an attachment
// of that text would be read: an image is withheld (or OCR'd), text is
// scanned, a document goes through its extractor. It is located
// "PARENT/data-N.EXT".
func (w *walker) dataURI(uri string, n int, parent string, depth int) {
	if n > maxDataURIs {
		if n == maxDataURIs+1 {
			w.unscannable(parent, ReasonTooManyParts)
		}
		return
	}
	ctype, params, data, problem := parseDataURI(uri)
	name := fmt.Sprintf("data-%d%s", n, dataExt[ctype])
	loc := parent + "/" + name
	if err := w.b.Part(); err != nil {
		w.withhold(loc, ctype, name, reasonOf(err))
		return
	}
	if w.s.lim.MaxDepth > 0 && depth+1 > w.s.lim.MaxDepth {
		w.withhold(loc, ctype, name, ReasonTooDeep)
		return
	}
	if problem != "" {
		w.unscannable(loc, problem)
		defer w.findRaw([]byte(uri), loc)
	}
	if err := w.b.Take(int64(len(data))); err != nil {
		w.withhold(loc, ctype, name, reasonOf(err))
		return
	}
	w.content(partMeta{ctype: ctype, charset: params["charset"], name: name}, data, loc, depth+1)
}

var dataExt = map[string]string{
	"image/png": ".png", "image/jpeg": ".jpg", "image/jpg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
	"image/bmp": ".bmp", "image/tiff": ".tif", "image/svg+xml": ".svg", "image/heic": ".heic", "image/avif": ".avif",
	"text/plain": ".txt", "text/html": ".html", "text/csv": ".csv", "application/pdf": ".pdf",
	"application/json": ".json", "application/zip": ".zip",
}

// parseDataURI splits "data:[<mediatype>][;base64],<data>" and decodes the
// data. A URI with no comma, or broken base64, is bad_encoding (with what
// could be decoded).
func parseDataURI(uri string) (ctype string, params map[string]string, data []byte, problem string) {
	rest := uri[5:]
	head, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return "text/plain", map[string]string{}, []byte(rest), ReasonBadEncoding
	}
	isBase64 := false
	if h := strings.ToLower(strings.TrimSpace(head)); strings.HasSuffix(h, ";base64") {
		isBase64 = true
		head = head[:len(head)-len(";base64")]
	}
	ctype, params = mediaType(head)
	if ctype == "" {
		ctype = "text/plain"
	}
	data = percentDecode(payload)
	if isBase64 {
		data, problem = decodeBase64(data)
	}
	return ctype, params, data, problem
}
