package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// Pages are html/template files under templates/: layout.html is the
// frame, files named _*.html are partials every page may use, and every
// other NAME.html is a page that defines "title" and "main" (and may
// define "head"). Adding a page is adding its file and its route.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

type pages struct {
	byName map[string]*template.Template
	assets map[string]asset
}

type asset struct {
	body    []byte
	version string // first 12 hex digits of its SHA-256
	ctype   string
}

// view is what every page template gets as its dot.
type view struct {
	Title string
	// Actor is the logged-in user; nil on the login and setup pages.
	Actor *desk.Actor
	CSRF  string
	Nav   string // which navigation entry is current ("queue", "account")
	Data  any
}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}, assets: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		p.assets[strings.TrimPrefix(name, "static/")] = asset{body: b, version: hex.EncodeToString(sum[:6]), ctype: ctype}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read static assets: %w", err)
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			a, ok := p.assets[name]
			if !ok {
				return "", fmt.Errorf("no static asset %q", name)
			}
			return "/static/" + name + "?v=" + a.version, nil
		},
		"roles": func(rs []tickets.Role) string {
			s := make([]string, len(rs))
			for i, r := range rs {
				s[i] = string(r)
			}
			return strings.Join(s, ", ")
		},
		"capital": capital,
		"has":     func(a *desk.Actor, role string) bool { return a != nil && a.Has(tickets.Role(role)) },
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"rfc3339":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"join":          strings.Join,
		"addr":          addrBreaks,
		"verdict":       verdict,
		"where":         whereWords,
		"findingWords":  findingWords,
		"deliveryWords": deliveryWords,
		"causeWords":    causeWords,
		"withheldWhy":   desk.WhyWithheld,
		"staffName":     staffName,
		"itemState":     itemStateWords,
		"bytes":         byteSize,
		// The report's charts place shapes by arithmetic on floats.
		"add":        func(a, b float64) float64 { return a + b },
		"sub":        func(a, b float64) float64 { return a - b },
		"half":       func(a float64) float64 { return a / 2 },
		"sortedKeys": desk.SortedKeys[int],
	}
	base := template.New("layout.html").Funcs(funcs)
	base, err = base.ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	if partials, _ := fs.Glob(templateFS, "templates/_*.html"); len(partials) > 0 {
		if base, err = base.ParseFS(templateFS, partials...); err != nil {
			return nil, fmt.Errorf("parse partials: %w", err)
		}
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// render writes page name with status. It renders into memory first, so
// a template error is a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.log.Error("no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		s.log.Error("render page", "page", name, "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}

// pageView is the view of a logged-in page.
func pageView(p *Page, title, nav string, data any) view {
	v := view{Title: title, Nav: nav, Data: data}
	if p != nil {
		a := p.Actor
		v.Actor, v.CSRF = &a, p.CSRF
	}
	return v
}

// errorPage shows a desk.Error as a page.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, p *Page, de *desk.Error) {
	title := http.StatusText(de.Status)
	if title == "" {
		title = "Error"
	}
	s.render(w, r, de.Status, "error", pageView(p, title, "", de))
}

// static serves an embedded asset. A request naming the current version
// may be cached for ever (the URL changes with the content); any other
// is revalidated.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	a, ok := s.pages.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+a.version+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}
