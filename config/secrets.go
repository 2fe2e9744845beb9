package config

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
)

// dsnPasswords returns the password a DSN holds, as written and, in a URL,
// as decoded ("" when none). Read textually, so that a DSN no parser
// accepts (an unescaped '#' or '/' in the password) still gives it up.
func dsnPasswords(dsn string) []string {
	var out []string
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok && pw != "" {
				out = append(out, pw)
				if d, err := url.PathUnescape(pw); err == nil && d != pw {
					out = append(out, d)
				}
			}
		}
		for _, m := range urlPassword.FindAllStringSubmatch(rest, -1) {
			out = append(out, m[1])
			if d, err := url.QueryUnescape(m[1]); err == nil && d != m[1] {
				out = append(out, d)
			}
		}
		return out
	}
	for _, m := range kvPassword.FindAllStringSubmatch(dsn, -1) {
		pw := m[2]
		if strings.HasPrefix(pw, "'") {
			pw = strings.Trim(pw, "'")
			out = append(out, strings.ReplaceAll(strings.ReplaceAll(pw, `\'`, `'`), `\\`, `\`))
		}
		out = append(out, pw)
	}
	return out
}

var urlPassword = regexp.MustCompile(`(?i)[?&]password=([^&#\s]+)`)

// Secrets are the configured values no output may show: every password
// (the DSN's, the smarthost's) and every DSN whole.
func (c Config) Secrets() []string {
	var out []string
	if c.Store.DSN != "" {
		out = append(out, c.Store.DSN)
		out = append(out, dsnPasswords(c.Store.DSN)...)
	}
	if c.Reply.SmarthostPassword != "" {
		out = append(out, c.Reply.SmarthostPassword)
	}
	return out
}

// RedactString hides every secret of c in s: a DSN becomes its redacted
// form, a password "xxxxx".
func (c Config) RedactString(s string) string {
	if c.Store.DSN != "" {
		s = strings.ReplaceAll(s, c.Store.DSN, RedactDSN(c.Store.DSN))
	}
	for _, sec := range c.Secrets() {
		if sec != "" && sec != c.Store.DSN {
			s = strings.ReplaceAll(s, sec, "xxxxx")
		}
	}
	return s
}

// RedactError is err with its text redacted (nil stays nil).
func (c Config) RedactError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := c.RedactString(msg); red != msg {
		return redactedError(red)
	}
	return err
}

type redactedError string

func (e redactedError) Error() string { return string(e) }

// LogHandler wraps h so that no log record shows a secret of c, whatever
// a library put in an error: the message and every attribute are
// redacted before h sees them.
func (c Config) LogHandler(h slog.Handler) slog.Handler {
	if len(c.Secrets()) == 0 {
		return h
	}
	return &redactHandler{h: h, c: c}
}

type redactHandler struct {
	h slog.Handler
	c Config
}

func (r *redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, r.c.RedactString(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = r.attr(a)
	}
	return &redactHandler{h: r.h.WithAttrs(red), c: r.c}
}

func (r *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: r.h.WithGroup(name), c: r.c}
}

func (r *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.c.RedactString(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = r.attr(x)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		default:
			s = fmt.Sprint(x)
		}
		if red := r.c.RedactString(s); red != s {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
