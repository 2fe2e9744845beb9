package config

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Load reads path over the defaults; "" means the defaults alone.
//
// Every problem of the file is found in one pass: unknown keys (a
// misspelt key silently ignored is how an MX ends up an open relay) and
// values of the wrong type, each with its line and in our words. Load then
// returns a *FileError with all of them, and the configuration with the
// keys that were right applied (check-config goes on to Validate it, so
// the value problems come in the same report). Only a file that is not
// TOML at all stops at its first syntax error.
//
// Relative paths in the file are relative to the file's directory, so a
// service started from / finds the same data as an admin in its folder.
//
// The recipients: when the file sets neither smtp.domains nor
// smtp.addresses, the default domain is taken; when it sets only
// addresses, no domain is added to them (see RecipientRule).
func Load(path string) (Config, error) {
	cfg := Default()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return cfg, fmt.Errorf("config %s:%d:%d: not valid TOML: %s", path, row, col, de.Error())
		}
		return cfg, fmt.Errorf("config %s: not valid TOML: %w", path, err)
	}
	ld := loader{lines: keyLines(data)}
	ld.section(reflect.ValueOf(&cfg).Elem(), tree, "")
	cfg.lines = ld.lines
	if _, ok := tree["smtp"].(map[string]any); ok {
		smtp := tree["smtp"].(map[string]any)
		_, hasDomains := smtp["domains"]
		_, hasAddresses := smtp["addresses"]
		if hasAddresses && !hasDomains {
			cfg.SMTP.Domains = nil
		}
	}
	cfg.Scan.migrateOCR()
	// Made absolute, so that what check-config prints and what serve logs
	// name the same place wherever they are read.
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		dir = filepath.Dir(path)
	}
	for _, p := range cfg.paths() {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	if len(ld.problems) > 0 {
		sort.SliceStable(ld.problems, func(i, j int) bool { return ld.problems[i].Line < ld.problems[j].Line })
		return cfg, &FileError{Path: path, Problems: ld.problems}
	}
	return cfg, nil
}

// paths are the keys that name files or directories: relative to the
// configuration file's directory.
func (c *Config) paths() []*string {
	return []*string{&c.DataDir, &c.SMTP.TLSCert, &c.SMTP.TLSKey, &c.Reply.TemplatesDir, &c.Reply.DKIMKey,
		&c.Store.ThreadKeyFile, &c.Store.AuditKeyFile, &c.Web.TLSCert, &c.Web.TLSKey}
}

// FileError is every problem Load found in a file.
type FileError struct {
	Path     string
	Problems []Problem
}

// Problem is one key that could not be taken.
type Problem struct {
	Line int    // 0 when unknown
	Key  string // dotted, "smtp.max_connections"
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Msg)
	}
	return p.Msg
}

func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config %s: ", e.Path)
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Lines are the problems one to a line, for a report that lists them
// with Validate's.
func (e *FileError) Lines() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.String()
	}
	return out
}

// loader applies a decoded TOML tree to the configuration, key by key.
type loader struct {
	lines    map[string]int
	problems []Problem
}

func (l *loader) bad(key, format string, a ...any) {
	l.problems = append(l.problems, Problem{Line: l.lines[key], Key: key, Msg: fmt.Sprintf(format, a...)})
}

// section applies the keys of one table to the struct v.
func (l *loader) section(v reflect.Value, tree map[string]any, prefix string) {
	fields := tomlFields(v.Type())
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := prefix + k
		i, ok := fields[k]
		if !ok {
			if near := nearestKey(k, fields); near != "" {
				l.bad(key, "unknown key %q (did you mean %q?)", key, prefix+near)
			} else {
				l.bad(key, "unknown key %q", key)
			}
			continue
		}
		l.value(v.Field(i), tree[k], key)
	}
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// value sets f from the decoded x, or reports why it cannot.
func (l *loader) value(f reflect.Value, x any, key string) {
	if f.Addr().Type().Implements(textUnmarshaler) {
		s, ok := x.(string)
		if !ok {
			l.bad(key, "%s: want %s, not %s", key, want(f.Type()), got(x))
			return
		}
		if err := f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			l.bad(key, "%s: %v", key, err)
		}
		return
	}
	switch f.Kind() {
	case reflect.Pointer: // an optional value: set means given in the file
		v := reflect.New(f.Type().Elem())
		before := len(l.problems)
		l.value(v.Elem(), x, key)
		if len(l.problems) == before {
			f.Set(v)
		}
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			l.bad(key, "%s: want %s, not %s", key, want(f.Type()), got(x))
			return
		}
		l.section(f, m, key+".")
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			l.bad(key, "%s: want %s, not %s", key, want(f.Type()), got(x))
			return
		}
		f.SetString(s)
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			l.bad(key, "%s: want %s, not %s", key, want(f.Type()), got(x))
			return
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, ok := x.(int64)
		if !ok {
			l.bad(key, "%s: want %s, not %s", key, want(f.Type()), got(x))
			return
		}
		if f.OverflowInt(n) {
			l.bad(key, "%s: %d is too large", key, n)
			return
		}
		f.SetInt(n)
	case reflect.Slice: // []string
		xs, ok := x.([]any)
		if !ok {
			l.bad(key, "%s: want %s, not %s", key, want(f.Type()), got(x))
			return
		}
		out := make([]string, 0, len(xs))
		for _, e := range xs {
			s, ok := e.(string)
			if !ok {
				l.bad(key, "%s: want %s, but an element is %s", key, want(f.Type()), got(e))
				return
			}
			out = append(out, s)
		}
		f.Set(reflect.ValueOf(out))
	case reflect.Map: // map[string]string
		m, ok := x.(map[string]any)
		if !ok {
			l.bad(key, "%s: want %s, not %s", key, want(f.Type()), got(x))
			return
		}
		out := make(map[string]string, len(m))
		for k, e := range m {
			s, ok := e.(string)
			if !ok {
				l.bad(key, "%s: want %s, but %q is %s", key, want(f.Type()), k, got(e))
				return
			}
			out[k] = s
		}
		f.Set(reflect.ValueOf(out))
	default:
		l.bad(key, "%s: cannot be set from a file", key)
	}
}

// want says in words what a field takes.
func want(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		if t == reflect.TypeFor[Duration]() {
			return `a duration in quotes, such as "30s" or "5m"`
		}
		return "text in quotes"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return want(t.Elem())
	case reflect.Struct:
		return "a section of keys"
	case reflect.String:
		return "text in quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Slice:
		return `a list of texts, such as ["a", "b"]`
	case reflect.Map:
		return `a table of texts, such as { "key" = "value" }`
	}
	return t.String()
}

// got says in words what the file holds.
func got(x any) string {
	switch v := x.(type) {
	case string:
		return fmt.Sprintf("the text %q", v)
	case bool:
		return fmt.Sprintf("%v (true or false)", v)
	case int64:
		return fmt.Sprintf("the number %d", v)
	case float64:
		if v == math.Trunc(v) && !math.IsInf(v, 0) {
			return fmt.Sprintf("the decimal number %v", v)
		}
		return fmt.Sprintf("the number %v, which is not whole", v)
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// tomlFields maps a struct's toml names to field indexes.
func tomlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = i
	}
	return m
}

// nearestKey is the known key within two edits of k, if one is.
func nearestKey(k string, fields map[string]int) string {
	best, bestD := "", 3
	for name := range fields {
		if d := editDistance(k, name); d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// keyLines maps every dotted key of a TOML document (tables and the keys
// of inline tables included) to the line it is written on.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyParts(e.Key())
			lines[strings.Join(table, ".")] = lineOf(&p, e.Key())
		case unstable.KeyValue:
			parts := append(append([]string(nil), table...), keyParts(e.Key())...)
			line := lineOf(&p, e.Key())
			lines[strings.Join(parts, ".")] = line
			inlineLines(lines, parts, e.Value(), line)
		}
	}
	return lines
}

// inlineLines records the keys of an inline table value.
func inlineLines(lines map[string]int, parts []string, v *unstable.Node, line int) {
	if v == nil || v.Kind != unstable.InlineTable {
		return
	}
	it := v.Children()
	for it.Next() {
		kv := it.Node()
		if kv.Kind != unstable.KeyValue {
			continue
		}
		sub := append(append([]string(nil), parts...), keyParts(kv.Key())...)
		lines[strings.Join(sub, ".")] = line
		inlineLines(lines, sub, kv.Value(), line)
	}
}

func keyParts(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

func lineOf(p *unstable.Parser, it unstable.Iterator) int {
	if !it.Next() {
		return 0
	}
	r := it.Node().Raw
	if r.Length == 0 && r.Offset == 0 {
		return 0
	}
	return p.Shape(r).Start.Line
}
