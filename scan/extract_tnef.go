package scan

import (
	"strings"

	"github.com/intake-mail/intake/scan/internal/tnef"
)

// The walk's side of TNEF (internal/tnef reads winmail.dat): Outlook
// puts the member's body and files inside it, so it is walked as an
// archive is. Its bodies (plain, the RTF body's text, HTML) are the
// texts of the part itself, located where the winmail.dat is and shown
// to staff as bodies; each file inside is a part of its own, read as if
// it were attached directly, located "attachment:winmail.dat/NAME" and
// kept for staff when clean; an Outlook item inside is walked the same
// way under its name. The winmail.dat itself is kept only when
// everything in it is clean, and withheld when any part of it is.

// tnefPart walks a TNEF stream located at loc.
func (w *walker) tnefPart(data []byte, ctype, name, loc string, depth int) {
	if w.s.lim.MaxDepth > 0 && depth+1 > w.s.lim.MaxDepth {
		w.withhold(loc, ctype, name, ReasonTooDeep)
		return
	}
	container := Part{Where: loc, ContentType: ctype, Filename: w.maskName(name, ""), Attachment: loc != "body"}
	nparts, nfindings, nunscannable := len(w.res.Parts), len(w.res.Findings), len(w.res.Unscannable)
	m, err := tnef.Read(data, w.tnefLimits(depth))
	if err != nil {
		w.unscannable(loc, reasonOf(err)) // the time budget, made by Check
		container.Withheld, container.Reason = true, reasonOf(err)
	}
	if m != nil {
		w.tnefMessage(m, loc, depth+1)
	}
	for _, p := range w.res.Parts[nparts:] {
		if p.Withheld && !container.Withheld {
			container.Withheld, container.Reason = true, p.Reason
		}
	}
	if len(w.res.Unscannable) > nunscannable && !container.Withheld {
		container.Withheld, container.Reason = true, w.res.Unscannable[nunscannable].Reason
	}
	if len(w.res.Findings) > nfindings && !container.Withheld {
		container.Withheld, container.Reason = true, "sensitive"
	}
	if !container.Withheld && w.s.keepText {
		container.Content = data
	}
	w.addPart(container)
}

// tnefMessage walks one TNEF message, the stream's own or an Outlook
// item embedded in it, whose bodies are located at loc.
func (w *walker) tnefMessage(m *tnef.Message, loc string, depth int) {
	for _, p := range m.Problems {
		w.tnefProblem(loc, p.Where, p.Reason)
	}
	// The bodies are one text in several forms, as in
	// multipart/alternative: a number in each is one finding.
	shown := map[findingKey]int{}
	plain := joinNonEmpty(m.Subject, m.Body, m.Properties)
	w.tnefBody([]byte(plain), formatText, partMeta{ctype: "text/plain", charset: "utf-8"}, loc, depth, shown)
	if m.RTF != nil {
		before := len(w.b.images)
		for i, im := range m.RTF.Images {
			w.b.noteImage(im.Name(i+1), w.b.readImage(im.Data))
		}
		idx := len(w.res.Parts)
		w.tnefBody([]byte(m.RTF.AllText()), formatText, partMeta{ctype: "text/rtf", charset: "utf-8"}, loc, depth, shown)
		if idx < len(w.res.Parts) {
			// What the RTF reader could not read withholds the RTF body,
			// as it withholds an RTF file.
			p := &w.res.Parts[idx]
			for _, pr := range m.RTF.Problems {
				w.unscannable(loc, pr.Reason)
				if !p.Withheld || p.Reason == "sensitive" {
					p.Withheld, p.Reason = true, pr.Reason
				}
			}
			w.documentImages(p, w.b.takeImages(before), loc)
		} else {
			w.b.takeImages(before)
		}
	}
	if len(m.HTML) > 0 {
		w.tnefBody(m.HTML, formatHTML, partMeta{ctype: "text/html", charset: m.HTMLCharset}, loc, depth, shown)
	}
	for _, a := range m.Attachments {
		aloc := loc + "/" + w.maskName(a.Name, a.MediaType)
		if err := w.b.Part(); err != nil {
			w.withhold(aloc, a.MediaType, a.Name, reasonOf(err))
			continue
		}
		w.scanString(a.Name, aloc) // a number in a file name is a finding there
		if a.Message != nil {
			w.tnefMessage(a.Message, aloc, depth+1)
			continue
		}
		w.content(partMeta{ctype: declaredType(a.MediaType), name: a.Name}, a.Data, aloc, depth)
	}
}

// tnefBody scans one body of a TNEF message as a text part located at
// loc: a body, shown to staff as text, not a file offered to them.
func (w *walker) tnefBody(data []byte, f format, m partMeta, loc string, depth int, shown map[findingKey]int) {
	if len(data) == 0 {
		return
	}
	if err := w.b.Take(int64(len(data))); err != nil {
		w.withhold(loc, m.ctype, "", reasonOf(err))
		return
	}
	idx, before := len(w.res.Parts), len(w.res.Findings)
	w.textPart(data, f, m, loc, depth)
	w.res.Findings = append(w.res.Findings[:before], sameOnce(shown, w.res.Findings[before:])...)
	if idx < len(w.res.Parts) {
		p := &w.res.Parts[idx]
		p.Attachment, p.Content = false, nil
	}
}

// tnefProblem records what the TNEF reader could not read: at loc for
// the stream (which withholds the winmail.dat), else at the attachment
// it names.
func (w *walker) tnefProblem(loc, where, reason string) {
	switch where {
	case "", "body.rtf":
		w.unscannable(loc, reason)
	default:
		w.withhold(loc+"/"+w.maskName(where, ""), "", where, reason)
	}
}

// tnefLimits bounds a TNEF stream by the message's account.
func (w *walker) tnefLimits(depth int) tnef.Limits {
	b := w.b
	lim := tnef.DefaultLimits()
	lim.MaxText = max(min(b.Remaining(), lim.MaxText), 1)
	lim.MaxRTF = int(max(min(b.Remaining(), int64(lim.MaxRTF)), 1))
	if m := w.s.lim.MaxParts; m > 0 {
		lim.MaxAttachments = min(lim.MaxAttachments, m)
	}
	if m := w.s.lim.MaxDepth; m > 0 {
		lim.MaxDepth = max(min(lim.MaxDepth, m-depth-1), 1)
	}
	lim.RTF = rtfLimits(b)
	lim.Check = b.Check
	return lim
}

func joinNonEmpty(ss ...string) string {
	var b strings.Builder
	for _, s := range ss {
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	return b.String()
}
