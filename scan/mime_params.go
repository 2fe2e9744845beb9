package scan

import (
	"sort"
	"strconv"
	"strings"

	"github.com/intake-mail/intake/scan/internal/charset"
)

// rfc2231Params decodes the extended parameters of a header (RFC 2231:
// name*=charset'lang'%XX..., and continuations name*0*=, name*1=...) in
// any charset decodeCharset reads. mime.ParseMediaType drops an extended
// value in any charset but UTF-8 and ASCII, so a file name in
// windows-1252 would go unseen.
func rfc2231Params(v string) map[string]string {
	if !strings.Contains(v, "*=") {
		return nil
	}
	type segment struct {
		n        int
		extended bool
		value    string
	}
	segs := map[string][]segment{}
	for _, kv := range splitParams(v) {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		base, rest, ok := strings.Cut(k, "*")
		if !ok {
			continue
		}
		s := segment{extended: strings.HasSuffix(rest, "*") || rest == ""}
		if num := strings.TrimSuffix(rest, "*"); num != "" {
			n, err := strconv.Atoi(num)
			if err != nil || n > 100 {
				continue
			}
			s.n = n
		}
		s.value = strings.Trim(strings.TrimSpace(val), `"`)
		segs[base] = append(segs[base], s)
	}
	out := map[string]string{}
	for base, ss := range segs {
		sort.Slice(ss, func(i, j int) bool { return ss[i].n < ss[j].n })
		var raw []byte
		cs := ""
		for i, s := range ss {
			val := s.value
			if s.extended {
				if i == 0 {
					// charset'language'value
					if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
						cs, val = parts[0], parts[2]
					}
				}
				raw = append(raw, percentDecode(val)...)
			} else {
				raw = append(raw, val...)
			}
		}
		text, _, _ := charset.Decode(raw, cs)
		out[base] = string(text)
	}
	return out
}

// splitParams splits a header value's parameters on ';' outside quotes.
func splitParams(v string) []string {
	var out []string
	quoted := false
	start := -1
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case '\\':
			if quoted {
				i++
			}
		case ';':
			if !quoted {
				if start >= 0 {
					out = append(out, v[start:i])
				}
				start = i + 1
			}
		}
	}
	if start >= 0 && start <= len(v) {
		out = append(out, v[start:])
	}
	return out
}

// percentDecode decodes %XX escapes and keeps anything else as it is.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if h, ok := unhex(s[i+1], s[i+2]); ok {
				out = append(out, h)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}
