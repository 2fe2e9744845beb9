package scan

import (
	"slices"

	"github.com/emersion/go-message/textproto"
)

// partNames returns every name a part's header gives it, decoded: the
// Content-Disposition filename, the Content-Type name, and their RFC 2231
// forms in a charset Go's parser drops (it reads only UTF-8 and ASCII
// there). The first is the one shown; all are scanned, since a client may
// show any of them.
func (w *walker) partNames(h textproto.Header, params, dparams map[string]string) []string {
	var names []string
	add := func(v string) {
		if v == "" {
			return
		}
		d := decodeHeaderValue(v)
		for _, n := range append([]string{d.text}, d.alts...) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	ext := rfc2231Params(h.Get("Content-Disposition"))
	add(firstNonEmpty(dparams["filename"], ext["filename"]))
	extType := rfc2231Params(h.Get("Content-Type"))
	add(firstNonEmpty(params["name"], extType["name"]))
	if dparams["filename"] != "" {
		add(ext["filename"])
	}
	if params["name"] != "" {
		add(extType["name"])
	}
	if len(names) == 0 {
		return []string{""}
	}
	return names
}

// maskNames masks every location and file name in the result, whatever
// path built it: names reach the ticket store, the quarantine list and
// logs, and a number in a name must be masked there as in any text.
func (r *Result) maskNames() {
	for i := range r.Parts {
		p := &r.Parts[i]
		p.Where = MaskString(p.Where)
		p.Filename = MaskString(p.Filename)
		p.ContentType = safeType(p.ContentType)
	}
	for i := range r.Findings {
		r.Findings[i].Where = MaskString(r.Findings[i].Where)
	}
	for i := range r.Unscannable {
		r.Unscannable[i].Where = MaskString(r.Unscannable[i].Where)
	}
}

// safeType is a declared media type fit to show: no registered type holds
// more than a few digits, so one that does is the sender's text, not a
// type, and is replaced rather than trusted to the masker.
func safeType(ctype string) string {
	if len(digitsOf(ctype)) > 4 || len(ctype) > 127 {
		return "application/octet-stream"
	}
	return ctype
}
