package reply

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"unicode"

	"github.com/intake-mail/intake/scan"
)

// The defaults are compiled in so that a fresh install answers sensibly; a
// file of the same name in the configured directory replaces one.
//
//go:embed templates/*.txt
var embeddedTemplates embed.FS

// templateNames are the templates every set must have.
var templateNames = []string{TemplateSensitive, TemplateWithheld, TemplateAcknowledge}

// TemplateData is everything a template can see: the organisation's
// details and the ticket reference. Nothing of the member's message is
// here, so no template, however it is edited, can quote it.
type TemplateData struct {
	OrgName       string
	PostalAddress string // may span lines
	Phone         string
	Hours         string // telephone hours
	Ref           string // the ticket reference, e.g. T-7K3F9Q
	Found         string // "a Social Security number": the kind, never a digit
	FoundMany     bool   // Found names two kinds ("them", not "it")
	Withheld      bool   // an attachment was withheld as well
}

// Templates is a parsed set, one text/template per reply kind. Each defines
// a "subject" template beside its body.
type Templates struct {
	set map[string]*template.Template
}

// LoadTemplates parses the embedded defaults, each replaced by NAME.txt from
// dir when dir is not "" and holds one.
func LoadTemplates(dir string) (*Templates, error) {
	t := &Templates{set: map[string]*template.Template{}}
	for _, name := range templateNames {
		src, origin, err := templateSource(dir, name)
		if err != nil {
			return nil, err
		}
		tm, err := template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", origin, err)
		}
		if tm.Lookup("subject") == nil {
			return nil, fmt.Errorf("template %s: no {{define \"subject\"}}", origin)
		}
		t.set[name] = tm
	}
	return t, nil
}

func templateSource(dir, name string) (src, origin string, err error) {
	file := name + ".txt"
	if dir != "" {
		path := filepath.Join(dir, file)
		b, err := os.ReadFile(path)
		if err == nil {
			return string(b), path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", path, fmt.Errorf("read template: %w", err)
		}
	}
	b, err := embeddedTemplates.ReadFile("templates/" + file)
	if err != nil {
		return "", file, fmt.Errorf("read embedded template: %w", err)
	}
	return string(b), "embedded " + file, nil
}

var templateFuncs = template.FuncMap{
	// indent prefixes every line, for a postal address over several lines.
	"indent": func(prefix, s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = prefix + l
		}
		return strings.Join(lines, "\n")
	},
}

// Render returns the subject and body of template name. Values are cleaned
// of control characters first, so a configuration value cannot add a
// header or a line of its own.
func (t *Templates) Render(name string, d TemplateData) (subject, body string, err error) {
	tm, ok := t.set[name]
	if !ok {
		return "", "", fmt.Errorf("render reply: no template %q", name)
	}
	d = d.cleaned()
	var sb, bb bytes.Buffer
	if err := tm.ExecuteTemplate(&sb, "subject", d); err != nil {
		return "", "", fmt.Errorf("render subject of %s: %w", name, err)
	}
	if err := tm.Execute(&bb, d); err != nil {
		return "", "", fmt.Errorf("render body of %s: %w", name, err)
	}
	subject = oneLine(sb.String())
	if subject == "" {
		return "", "", fmt.Errorf("render subject of %s: empty", name)
	}
	return subject, wrap(strings.TrimLeft(bb.String(), "\n"), 72), nil
}

// wrap breaks lines longer than width at spaces, keeping each line's
// indentation, so templates can hold a paragraph on one line whatever the
// length of the values put into it.
func wrap(text string, width int) string {
	var out strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			out.WriteByte('\n')
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
		col := 0
		for j, w := range strings.Fields(line) {
			switch {
			case j == 0:
				out.WriteString(indent + w)
				col = len(indent) + len(w)
			case col+1+len(w) > width:
				out.WriteString("\n" + indent + w)
				col = len(indent) + len(w)
			default:
				out.WriteString(" " + w)
				col += 1 + len(w)
			}
		}
	}
	return out.String()
}

func (d TemplateData) cleaned() TemplateData {
	d.OrgName = oneLine(d.OrgName)
	d.Phone = oneLine(d.Phone)
	d.Hours = oneLine(d.Hours)
	d.Ref = oneLine(d.Ref)
	d.Found = oneLine(d.Found)
	lines := strings.Split(strings.ReplaceAll(d.PostalAddress, "\r\n", "\n"), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if l = oneLine(l); l != "" {
			kept = append(kept, l)
		}
	}
	d.PostalAddress = strings.Join(kept, "\n")
	return d
}

// oneLine turns every run of spaces and control characters into one space.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}), " ")
}

// foundPhrase says what was found by kind alone: the policy for what a
// member is told never includes a digit of the number.
func foundPhrase(kinds []scan.Kind) string {
	var ssn, pan, other bool
	for _, k := range kinds {
		switch k {
		case scan.KindSSN:
			ssn = true
		case scan.KindPAN:
			pan = true
		default:
			other = true
		}
	}
	var parts []string
	if ssn {
		parts = append(parts, "a Social Security number")
	}
	if pan {
		parts = append(parts, "a payment card number")
	}
	if other || len(parts) == 0 {
		parts = append(parts, "a sensitive number")
	}
	return strings.Join(parts, " and ")
}
