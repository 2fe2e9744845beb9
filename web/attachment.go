package web

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// A clean attachment (scanned, nothing found) is member data of any
// kind: it is only ever downloaded, never shown in the page's origin.
// Content-Disposition: attachment keeps the browser from rendering it,
// nosniff from guessing a type, a sandboxing CSP disarms it should a
// browser render it anyway, and a type that could run script in our
// origin (HTML, SVG, XML...) is served as application/octet-stream.

// safeTypes are the content types an attachment keeps: none of them is
// markup a browser would run.
var safeTypes = map[string]bool{
	"text/plain": true, "text/csv": true,
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "application/zip": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
}

// downloadType is the Content-Type an attachment is served with.
func downloadType(stored string) string {
	mt, params, err := mime.ParseMediaType(stored)
	if err != nil || !safeTypes[strings.ToLower(mt)] {
		return "application/octet-stream"
	}
	mt = strings.ToLower(mt)
	if strings.HasPrefix(mt, "text/") {
		// The scanner read it as text; say which charset only when it is
		// one a browser cannot misread.
		if cs := strings.ToLower(params["charset"]); cs == "utf-8" || cs == "us-ascii" {
			return mt + "; charset=" + cs
		}
		return mt
	}
	return mt
}

// downloadName is a file name for Content-Disposition: the (masked)
// stored name without path or control characters, or a neutral one.
func downloadName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f, r == '/', r == '\\', r == '"':
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		return "attachment"
	}
	return clipRunes(name, 120)
}

const attachmentCSP = "default-src 'none'; sandbox"

// serveAttachment writes att as a download.
func serveAttachment(w http.ResponseWriter, r *http.Request, att *tickets.Attachment) {
	h := w.Header()
	h.Set("Content-Type", downloadType(att.ContentType))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": downloadName(att.Name)}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", attachmentCSP)
	h.Set("Cache-Control", "no-store")
	if att.SHA256 != "" {
		h.Set("ETag", `"`+att.SHA256+`"`)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(att.Content))
}

// attachmentID reads the {id} of the path; a malformed one is a 404 (as
// any id that names nothing).
func attachmentID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return uuid.Nil, &desk.Error{Status: http.StatusNotFound, Code: desk.CodeNotFound, Message: "no such attachment"}
	}
	return id, nil
}

func (s *Server) attachmentPage(w http.ResponseWriter, r *http.Request, p *Page) {
	id, err := attachmentID(r)
	if err == nil {
		var att *tickets.Attachment
		if att, err = s.desk.Attachment(r.Context(), p.Actor, id); err == nil {
			serveAttachment(w, r, att)
			return
		}
	}
	s.fail(w, r, p, err)
}
