package scan

import (
	"strings"

	"github.com/emersion/go-message/textproto"

	"github.com/intake-mail/intake/scan/internal/charset"
)

// maxReadings bounds how many ways one ambiguous part is read.
const maxReadings = 6

// distinctValues returns the values of a header field that mean different
// things (by key), in order.
func distinctValues(h textproto.Header, field string, key func(string) string) []string {
	vs := h.Values(field)
	if len(vs) < 2 {
		return vs
	}
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if k := key(v); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// typeKey is what of a Content-Type changes how a part is read.
func typeKey(v string) string {
	t, p := mediaType(v)
	return t + ";" + charset.NormLabel(p["charset"]) + ";" + p["boundary"] + ";" + strings.ToLower(p["format"]) + ";" + strings.ToLower(p["delsp"])
}

func cteKey(v string) string {
	k := strings.ToLower(strings.TrimSpace(v))
	switch k {
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit":
		return "identity"
	}
	return k
}

// ambiguous reads a part that declares two different Content-Types (or
// transfer encodings). Clients disagree on which one wins (the first, the
// last, the one they can render), so no single reading is the one a
// person sees: the part is read under each and withheld, and a number
// found under any of them is a finding.
func (w *walker) ambiguous(h textproto.Header, body []byte, where string, depth int, ctypes, ctes []string) {
	if len(ctypes) == 0 {
		ctypes = []string{""}
	}
	if len(ctes) == 0 {
		ctes = []string{""}
	}
	loc := orDefault(where, "body")
	_, params := mediaType(ctypes[0])
	_, dparams := mediaType(h.Get("Content-Disposition"))
	if name := firstNonEmpty(w.partNames(h, params, dparams)...); name != "" && where == "" {
		loc = "attachment:" + w.maskName(name, "")
	}
	w.unscannable(loc, ReasonParseError)
	parts := len(w.res.Parts)
	n := 0
	for _, ct := range ctypes {
		for _, cte := range ctes {
			if n == maxReadings {
				w.findRaw(body, loc)
				break
			}
			n++
			one := h.Copy()
			one.Del("Content-Type")
			one.Del("Content-Transfer-Encoding")
			if ct != "" {
				one.Set("Content-Type", ct)
			}
			if cte != "" {
				one.Set("Content-Transfer-Encoding", cte)
			}
			// The reading is counted as one part of the budget already taken.
			w.b.ReturnPart()
			w.entity(one, body, where, depth)
		}
	}
	for i := parts; i < len(w.res.Parts); i++ {
		p := &w.res.Parts[i]
		if !p.Withheld {
			p.Withheld, p.Reason = true, ReasonParseError
		}
		p.Content = nil
		w.unscannable(p.Where, ReasonParseError)
	}
}
